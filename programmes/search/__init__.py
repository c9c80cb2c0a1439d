"""The search index: what a reader can find from the box in every page's header (/search/).

Programmes, sources, figures and events each have an index table holding the words a reader may search for
(`index.KINDS` lists which fields): on PostgreSQL a stored `tsvector` with a GIN index, on SQLite an FTS5 virtual
table. The index is kept in step on write, never rebuilt on read: every save and delete (signals), the import's
bulk writes (programmes/importing/writing.py) and `load_dataset` (whose saves send the signals) refresh the rows they
touch; `manage.py rebuild_search_index` refills it after a load that goes around save(), such as `loaddata` or SQL.
`query.py` reads what the reader typed and asks the index.
"""
