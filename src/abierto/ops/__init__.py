"""Operations: garbage collection of blobs and scratch files, backup and restore."""
