-- The owner's actor row is found through an index of its own. Every start
-- looks it up (WHERE local = 1), and without an index that is a scan of
-- the actors table until the row turns up: the whole table, tens of
-- milliseconds for 50,000 actors, when remote actors were stored before
-- the owner's row was (an import before the first start).
CREATE INDEX actors_local ON actors (local) WHERE local = 1;
