DROP TABLE reservations;
DROP TABLE tags;
DROP TABLE partitions;
DROP TABLE artifacts;
DROP TABLE datasets;
