-- The `$search` word index (0013) is filled when a search needs it, not in every write's
-- commit. Indexing one object cost each create FTS5's flush of a new segment at commit (and
-- its merges): ~40 µs of a ~260 µs create-then-read pair. A write now only notes the object's
-- rowid here; `store::search_index` indexes the noted objects, in one transaction, before any
-- query reads the index, and after each load.
--
-- Invariant: an object is in the word index or noted here, never both; the note goes with the
-- object.
create table search_index_pending (
    object_rowid  integer primary key
);

drop trigger directory_search_insert;
create trigger directory_search_insert after insert on directory_objects begin
    insert into search_index_pending (object_rowid) values (new.rowid);
end;

-- The old words leave the index at once (deleting a rowid the index does not hold, an object
-- noted but not yet indexed, changes nothing); the new ones go in with the next fill. The note
-- is a trigger of its own, with its test in `when`: `insert or ignore` would take the conflict
-- handling of the statement that fired it (see 0014), and `insert … select … where not exists`
-- would read the table it inserts into, which SQLite does through a temporary table.
drop trigger directory_search_update;
create trigger directory_search_update
    after update of display_name, user_principal_name, data on directory_objects begin
    delete from directory_search where rowid = old.rowid;
end;

create trigger search_index_note_update
    after update of display_name, user_principal_name, data on directory_objects
    when not exists (select 1 from search_index_pending where object_rowid = new.rowid) begin
    insert into search_index_pending (object_rowid) values (new.rowid);
end;

drop trigger directory_search_delete;
create trigger directory_search_delete after delete on directory_objects begin
    delete from directory_search where rowid = old.rowid;
    delete from search_index_pending where object_rowid = old.rowid;
end;
