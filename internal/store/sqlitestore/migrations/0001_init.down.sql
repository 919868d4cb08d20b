DROP TABLE attributes;
DROP TABLE named_entity_metadata;
DROP TABLE launch_plans;
DROP TABLE workflows;
DROP TABLE tasks;
DROP TABLE projects;
