"""The pipeline's stages: each takes plain values and returns plain values.

A stage never imports the pipeline, the analysis or another layer above it;
:mod:`posture.pipeline` alone decides the order in which they run.
"""
