"""The measurements: one pure function per measurement id of the registry, landmarks and outline in, numbers out."""
