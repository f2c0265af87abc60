-- Ids of deleted local posts. Post ids sort by time (see store/postids.go);
-- an imported post takes an id inside the millisecond it was published,
-- and must not take the id of a local post that was deleted there: that
-- id was part of an ActivityPub id peers were told is gone.
CREATE TABLE deleted_post_ids (
    id INTEGER PRIMARY KEY
) STRICT;
