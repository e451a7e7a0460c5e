DROP TABLE schedule_locks;
DROP TABLE schedule_days;
DROP TABLE schedule_lines;
DROP TABLE service_codes;
ALTER TABLE partners DROP COLUMN area_grade;
