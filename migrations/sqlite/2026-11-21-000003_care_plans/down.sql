DROP TABLE care_plan_weekly;
DROP TABLE care_plan_lines;
DROP TABLE care_plans;
