-- xenmon database: the UUID of each domain lifetime.
--
-- Domain ids are reused; a fleet knows its guests by name and UUID.
-- domain.uuid is the UUID Xen gave the lifetime (xenstore's
-- /local/domain/N/vm, "/vm/UUID"), written by the live recorder; NULL in a
-- replay, whose trace does not say, and for lifetimes recorded before this
-- version.

ALTER TABLE domain ADD COLUMN uuid TEXT;
