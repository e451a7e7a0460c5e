DROP TABLE import_history;
