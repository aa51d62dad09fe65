"""``posture batch``: a folder of photos analysed into one table, in this process, in worker processes or on a Dask cluster."""
