"""Values and pure maths shared by every layer: images, poses, measurements, geometry and units. No I/O here."""
