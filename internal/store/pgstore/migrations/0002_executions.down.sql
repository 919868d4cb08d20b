DROP TABLE signals;
DROP TABLE execution_events;
DROP TABLE task_executions;
DROP TABLE node_executions;
DROP TABLE executions;
