DROP TABLE received_files;
