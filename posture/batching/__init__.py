"""``posture batch``: a folder of photos analysed into one table, in worker processes or on a Dask cluster."""
