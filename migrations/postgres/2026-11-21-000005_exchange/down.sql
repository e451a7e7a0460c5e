DROP TABLE staff_preferences;
DROP TABLE export_history;
