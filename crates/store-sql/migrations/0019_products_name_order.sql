-- The stock lists sort by name in byte order (`nom COLLATE "C"`, so both engines answer the same
-- order), which no index of PostgreSQL's held: a page of 10 rows of a store holding 2,000
-- products joined and sorted its 2,000 rows (1.3 ms). This index walks the catalogue in that
-- order and stops at the page, probing each store row by its key (0.13 ms). SQLite sorts names
-- in byte order by default: its unique index on the name serves already.
CREATE INDEX IF NOT EXISTS products_name_bytes ON products (nom COLLATE "C", id);
