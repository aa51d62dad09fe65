"""Everything that touches files: decoding photos and their EXIF, the pose model, and atomic writes."""
