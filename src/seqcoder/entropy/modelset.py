"""What the cm coder runs: a frozen :class:`ModelSet` per level and payload version.

Each table below is the whole model set of every level in one payload version, written out:
"what does level 6 run in version 5?" is one line to read. A payload's first byte picks the
table (``cm.py``); a version's table never changes once archives are written with it (the
goldens and ``test_cm.py``'s digests pin its bytes). A new model set goes into a new table of
a new version. The parts are named by the kernel's roles (``cm_kernel.py``): finite-context
orders, repeat followers, light followers, the learned prior, the mixers and the APMs.
The measurements behind each change are in docs/cm-coder.md.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Order:
    """A finite-context model of order ``k``: a table of 2^``bits`` slots (direct when the 4^k
    contexts fit, else 2-way hashed buckets with a 16-bit check); counters that count up to
    ``limit`` observations with rate table ``rate`` (``tables.RATE_D``); ``ir``: also updated
    with the inverted repeat (the context read on the other strand)."""

    k: int
    bits: int
    limit: int = 1023
    rate: int = 0
    ir: bool = True


def direct(*ks: int) -> tuple[Order, ...]:
    """Orders ``ks`` as direct tables (2k bits), full counters, inverted repeats on."""
    return tuple(Order(k, 2 * k) for k in ks)


@dataclass(frozen=True)
class Followers:
    """Repeat followers: ``forward`` and ``reverse`` (complement) copies of ``min_len``-mers
    found in a table of 2^``bits`` buckets, each verified over at most ``vcap`` bases and
    dropped after more than ``miss_thr`` misses in the last 16 bases; ``racc``: their maps are
    keyed by lifetime accuracy (1: linear, 2: miss rate; 0: by follower); ``rsync``/``rsmax``:
    a follower that misses is shifted by up to +-``rsmax`` when the shifted copy matches the
    last ``rsync`` bases (indel re-sync; 0: off)."""

    min_len: int
    bits: int
    miss_thr: int
    forward: int
    reverse: int
    racc: int = 0
    vcap: int = 32
    rsync: int = 8
    rsmax: int = 3


@dataclass(frozen=True)
class Light:
    """Light repeat followers: up to ``count`` cheap followers seeded by fresh matches of
    ``seed_len``-mers (<= 16) kept ``per_bucket`` to a bucket of a 2^``bits`` table, dropped
    after more than ``miss_thr`` misses in the last 16; their evidence is one mixer input."""

    count: int
    seed_len: int = 11
    bits: int = 22
    per_bucket: int = 4
    miss_thr: int = 8


LIGHT_OFF = Light(0)
#: the light repeat class of levels 5-9 (and of a block whose encoder turns it on)
LIGHT_ON = Light(16, 11, 22, 4, 8)


@dataclass(frozen=True)
class Prior:
    """The learned prior (``models/prior.py``) as a mixer input (``on``); ``adapt_bases`` > 0
    and ``adapt_shift`` > 0: its output layer also adapts to the block, one weight set per
    node kind and context of the last ``adapt_bases`` bases, learning rate 2^-``adapt_shift``."""

    on: bool = False
    adapt_bases: int = 0
    adapt_shift: int = 0


PRIOR_OFF = Prior()
PRIOR_ON = Prior(True)
#: the adapted output layer of levels 5-9 in version 5
PRIOR_ADAPTED = Prior(True, 1, 13)


@dataclass(frozen=True)
class Mixers:
    """Three gated logistic mixers with rates ``lr1``/``lr2`` and a final mixer with rate
    ``lr3`` (``fast``: mixer 1 alone and no APM); ``vote``: the followers' vote as one more
    input (and the second APM's context); ``hidden`` units of a hidden-layer mixer, a fourth
    input of the final mixer (0: none), learning-rate shift ``hidden_shift``."""

    fast: bool = False
    lr1: int = 16
    lr2: int = 16
    lr3: int = 4
    vote: bool = True
    hidden: int = 0
    hidden_shift: int = 6


FAST = Mixers(fast=True, lr3=16)


@dataclass(frozen=True)
class Apm:
    """The two adaptive probability maps: order-``order`` context and the followers'
    expectation, rate shift ``rate``."""

    order: int = 4
    rate: int = 7


@dataclass(frozen=True)
class Lean:
    """The lean kernel of level 1 (``lean_kernel.py``), run when no hint is given: order
    ``k``; a forward follower on ``min_len``-mers (<= 16) stored every ``step``-th position in
    2^``bits`` entries, verified over at most ``vcap`` bases, dropped after more than
    ``miss_thr`` misses in the last 16; one mixer of rate ``lr``; counters up to ``limit``."""

    k: int
    min_len: int
    bits: int
    lr: int
    miss_thr: int
    vcap: int
    step: int
    limit: int

    def __post_init__(self) -> None:
        if not self.min_len <= 16:
            raise ValueError("the lean kernel hashes at most 16 bases")


@dataclass(frozen=True)
class ModelSet:
    """Everything the cm coder runs on a block (see the parts above)."""

    orders: tuple[Order, ...]
    followers: Followers
    mixers: Mixers = Mixers()
    light: Light = LIGHT_OFF
    prior: Prior = PRIOR_OFF
    apm: Apm = Apm()
    lean: Lean | None = None

    def __post_init__(self) -> None:
        if self.light.count and not 1 <= self.light.seed_len <= 16:
            raise ValueError("light followers hash at most 16 bases")

    def with_choices(self, light: bool, prior: bool) -> ModelSet:
        """This set with the encoder's per-block choices in place of its own (the adapted
        layer goes with the prior it adapts)."""
        p = self.prior if prior and self.prior.on else PRIOR_ON if prior else PRIOR_OFF
        return replace(self, light=LIGHT_ON if light else LIGHT_OFF, prior=p)


# ---- the parts the tables share
ORDERS_1_8 = direct(1, 2, 3, 4, 5, 6, 7, 8)
#: one deep order: 16 bases hashed into 2^22 slots, counters up to 255 at rate 1/(n + 1.02)
DEEP16 = Order(16, 22, limit=255, rate=3, ir=False)
ORDERS_DEEP = ORDERS_1_8 + (DEEP16,)
ORDERS_LEAN = direct(2, 3, 4, 6, 8)
#: level 1 in every version: the lean kernel (with a hint: the generic kernel, fast mode).
#: EsCo 1.897 bits/base at about 30 MB/s (the two-order lean model before it: 1.894 at 15)
LEVEL1 = ModelSet(direct(3, 8), Followers(20, 18, 12, 1, 0), Mixers(fast=True, lr3=16, vote=False),
                  lean=Lean(5, 16, 18, 16, 12, 32, 8, 1023))

#: version 2: the first model sets kept decoding
V2: dict[int, ModelSet] = {
    1: LEVEL1,
    2: ModelSet(direct(2, 4, 8), Followers(16, 20, 12, 1, 1), FAST),
    3: ModelSet(ORDERS_LEAN, Followers(14, 22, 12, 2, 2)),
    4: ModelSet(ORDERS_1_8, Followers(14, 22, 12, 3, 3)),
    5: ModelSet(ORDERS_DEEP, Followers(14, 22, 12, 4, 4)),
    6: ModelSet(ORDERS_DEEP, Followers(14, 22, 12, 6, 6)),
    7: ModelSet(ORDERS_DEEP, Followers(14, 22, 12, 8, 8)),
    8: ModelSet(ORDERS_DEEP, Followers(14, 23, 12, 12, 12)),
    9: ModelSet(ORDERS_DEEP, Followers(14, 23, 12, 16, 16)),
}
#: version 3: follower maps keyed by lifetime accuracy at levels 2-9, light followers at 5-9
V3: dict[int, ModelSet] = {
    1: LEVEL1,
    2: ModelSet(direct(2, 4, 8), Followers(16, 20, 12, 1, 1, racc=1), FAST),
    3: ModelSet(ORDERS_LEAN, Followers(14, 22, 12, 2, 2, racc=1)),
    4: ModelSet(ORDERS_1_8, Followers(14, 22, 12, 3, 3, racc=1)),
    5: ModelSet(ORDERS_DEEP, Followers(14, 22, 12, 4, 4, racc=1), light=LIGHT_ON),
    6: ModelSet(ORDERS_DEEP, Followers(14, 22, 12, 6, 6, racc=1), light=LIGHT_ON),
    7: ModelSet(ORDERS_DEEP, Followers(14, 22, 12, 8, 8, racc=1), light=LIGHT_ON),
    8: ModelSet(ORDERS_DEEP, Followers(14, 23, 12, 12, 12, racc=1), light=LIGHT_ON),
    9: ModelSet(ORDERS_DEEP, Followers(14, 23, 12, 16, 16, racc=1), light=LIGHT_ON),
}
#: version 4: the learned prior at levels 4-9, so level 4 needs no more than level 3's
#: models; 4 + 4 followers at 6-9, which spend the time on a hidden-layer mixer at 7-9
V4: dict[int, ModelSet] = {
    1: LEVEL1,
    2: V3[2],
    3: V3[3],
    4: ModelSet(ORDERS_LEAN, Followers(14, 22, 12, 2, 2, racc=1), prior=PRIOR_ON),
    5: ModelSet(ORDERS_DEEP, Followers(14, 22, 12, 4, 4, racc=1), light=LIGHT_ON, prior=PRIOR_ON),
    6: ModelSet(ORDERS_DEEP, Followers(14, 23, 12, 4, 4, racc=1), light=LIGHT_ON, prior=PRIOR_ON),
    7: ModelSet(ORDERS_DEEP, Followers(14, 23, 12, 4, 4, racc=1), Mixers(hidden=4, hidden_shift=3),
                light=LIGHT_ON, prior=PRIOR_ON),
    8: ModelSet(ORDERS_DEEP, Followers(14, 23, 12, 4, 4, racc=1), Mixers(hidden=8, hidden_shift=3),
                light=LIGHT_ON, prior=PRIOR_ON),
    9: ModelSet(ORDERS_DEEP, Followers(14, 23, 12, 4, 4, racc=1), Mixers(hidden=16, hidden_shift=3),
                light=LIGHT_ON, prior=PRIOR_ON),
}
#: version 5: the prior's output layer adapted to the block at levels 5-9 (level 4 keeps
#: version 4: the layer costs it about half of its speed); level 9's hidden mixer has 8 units
V5: dict[int, ModelSet] = {
    1: LEVEL1,
    2: V3[2],
    3: V3[3],
    4: V4[4],
    5: ModelSet(ORDERS_DEEP, Followers(14, 22, 12, 4, 4, racc=1), light=LIGHT_ON,
                prior=PRIOR_ADAPTED),
    6: ModelSet(ORDERS_DEEP, Followers(14, 23, 12, 4, 4, racc=1), light=LIGHT_ON,
                prior=PRIOR_ADAPTED),
    7: ModelSet(ORDERS_DEEP, Followers(14, 23, 12, 4, 4, racc=1), Mixers(hidden=4, hidden_shift=3),
                light=LIGHT_ON, prior=PRIOR_ADAPTED),
    8: ModelSet(ORDERS_DEEP, Followers(14, 23, 12, 4, 4, racc=1), Mixers(hidden=8, hidden_shift=3),
                light=LIGHT_ON, prior=PRIOR_ADAPTED),
    9: ModelSet(ORDERS_DEEP, Followers(14, 23, 12, 4, 4, racc=1), Mixers(hidden=8, hidden_shift=3),
                light=LIGHT_ON, prior=PRIOR_ADAPTED),
}
#: payload version -> its table
BY_VERSION: dict[int, dict[int, ModelSet]] = {2: V2, 3: V3, 4: V4, 5: V5}
