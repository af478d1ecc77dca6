"""Default settings of a batch, in a module without heavy imports (the CLI's ``--help`` reads them)."""

K = 21  #: k-mer length of the sketches
SCALED = 1000  #: a sketch keeps the hashes below 2**64 / SCALED ...
MIN_HASHES = 500  #: ... or, for a small genome, its MIN_HASHES smallest
THRESHOLD = 0.05  #: Jaccard at k=21 of roughly 89 % average nucleotide identity
#: largest group: no cap in practice, since an archive has no size limit and a get decodes a
#: bounded part of it; a cap spreads a large cluster over several archives (and tasks)
MAX_GROUP_BASES = 10**15
MIN_GROUP_BASES = 20_000_000  #: smaller clusters share archives
