"""Default settings of a batch, in a module without heavy imports (the CLI's ``--help`` reads them)."""

K = 21  #: k-mer length of the sketches
SCALED = 1000  #: a sketch keeps the hashes below 2**64 / SCALED ...
MIN_HASHES = 500  #: ... or, for a small genome, its MIN_HASHES smallest
THRESHOLD = 0.05  #: Jaccard at k=21 of roughly 89 % average nucleotide identity
MAX_GROUP_BASES = 500_000_000  #: largest group (the reference text of one pack task)
MIN_GROUP_BASES = 20_000_000  #: smaller clusters share archives
