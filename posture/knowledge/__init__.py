"""What posture knows besides the photo: the measurement registry, the findings' knowledge base, the change
texts, calibrations and repeatability, each read from its TOML file here and checked strictly.
"""
