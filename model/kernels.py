"""Compiled loops for the daily processes that touch every lymphocyte.

Each process in :mod:`model.model` decides, row by row, which cells die, divide, are primed,
recalled, enter or leave the tissue, or step. As numpy expressions these decisions took about
600 array calls a simulated day on tables of about 1,400 rows, so the calls, not the arithmetic,
set the engine's speed. These kernels do the same work in one pass per process (numba).

They draw from the model's ``numpy.random.Generator`` in exactly the order the array code did
(numba's generator methods produce numpy's streams value for value), so a seed gives the same
patient, draw for draw, as before they existed. Floating-point sums stay in numpy, whose
pairwise summation a loop would not reproduce.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from model.agents import BLOOD


@njit(cache=True)
def age_and_die(
    alive, age, activated, kind, memory, resident, death_p, b_memory_death, b_kind, u, free,
    n_free,
):  # fmt: skip
    """A day older; a day of activation spent; each live cell dies with its kind's daily
    probability (memory B cells with their own), ``u`` holding one uniform draw per live cell
    in row order. The dead rows go on the free stack in row order (as
    :meth:`model.agents.AgentTable.remove` puts them). Returns the free count, the survivors
    of each kind and the surviving residents."""
    counts = np.zeros(death_p.size, np.float64)
    residents = i = 0
    for r in range(alive.size):
        age[r] += 1
        if activated[r] > 0:
            activated[r] -= 1
        if alive[r]:
            k = kind[r]
            p = b_memory_death if (k == b_kind and memory[r]) else death_p[k]
            if u[i] < p:
                alive[r] = False
                free[n_free] = r
                n_free += 1
            else:
                counts[k] += 1.0
                if resident[r]:
                    residents += 1
            i += 1
    return n_free, counts, residents


@njit(cache=True)
def kind_counts(alive, kind, x, n_kinds, blood_only):
    """Live cells of each kind (in the blood only, or everywhere)."""
    counts = np.zeros(n_kinds, np.float64)
    for r in range(alive.size):
        if alive[r] and (x[r] == BLOOD or not blood_only):
            counts[kind[r]] += 1.0
    return counts


@njit(cache=True)
def _mothers(alive, x, kind, autoreactive, renewed, expanded, self_bias, rng):
    """The blood cells that divide, kind by kind: ``renewed[k]`` at random and ``expanded[k]``
    (lymphopenic) with self-reactive clones ``self_bias`` times as likely. Returns the mothers
    in draw order and whether each division is lymphopenic."""
    total = renewed.sum() + expanded.sum()
    mother = np.empty(total, np.int64)
    lymph = np.zeros(total, np.bool_)
    pool = np.empty(alive.size, np.int64)
    weight = np.empty(alive.size, np.float64)
    m = 0
    for k in range(renewed.size):
        if renewed[k] == 0 and expanded[k] == 0:
            continue
        size = 0
        for r in range(alive.size):
            if alive[r] and x[r] == BLOOD and kind[r] == k:
                pool[size] = r
                size += 1
        if size == 0:
            continue
        for _ in range(renewed[k]):
            mother[m] = pool[rng.integers(0, size)]
            m += 1
        if expanded[k]:
            acc = 0.0
            for i in range(size):
                acc += self_bias if autoreactive[pool[i]] else 1.0
                weight[i] = acc
            for _ in range(expanded[k]):
                pick = np.searchsorted(weight[:size], rng.random() * acc, "right")
                mother[m] = pool[pick]
                lymph[m] = True
                m += 1
    return mother[:m], lymph[:m]


# positions in ``AgentTable.arrays()`` of the lymphocyte table (model.agents.lymphocyte_table)
KIND, CD52, AGGRESSION, AUTOREACTIVE, ACTIVATED, AGE, GENERATION, MEMORY = range(8)
EXPANDED, SHELTERED, RESIDENT, X, Y, TISSUE_DAYS, UID, ALIVE = range(8, 16)


@njit(cache=True)
def _newborn(cells, r, uid_):
    """Row ``r`` starts a life in the blood: a day's age and activation of 0, serial ``uid_``."""
    age, activated, tissue_days = cells[AGE], cells[ACTIVATED], cells[TISSUE_DAYS]
    x, y, uid, alive = cells[X], cells[Y], cells[UID], cells[ALIVE]
    age[r] = activated[r] = tissue_days[r] = 0
    x[r] = y[r] = BLOOD
    uid[r] = uid_
    alive[r] = True


@njit(cache=True)
def make_cells(
    cells, free, n_free, born, kinds, ages, cd52_of, aggression_of, self_reactive_of, shelter,
    spread, generation, rng,
):  # fmt: skip
    """New naive cells, one per entry of ``kinds``, in rows taken from the top of the free
    stack ``free[:n_free]`` (as :meth:`model.agents.AgentTable.add` takes them). Per kind:
    ``cd52_of``, ``aggression_of`` (times a lognormal of sd ``spread``) and
    ``self_reactive_of`` (the chance). Draws as numpy did for arrays: every aggression, then
    every self-reactivity, then every shelter. Returns the rows, and the free count and serial
    number after them."""
    kind, cd52, aggression, age = cells[KIND], cells[CD52], cells[AGGRESSION], cells[AGE]
    autoreactive, gen, memory = cells[AUTOREACTIVE], cells[GENERATION], cells[MEMORY]
    expanded, sheltered, resident = cells[EXPANDED], cells[SHELTERED], cells[RESIDENT]
    n = kinds.size
    rows = np.empty(n, np.int64)
    for i in range(n):
        rows[i] = free[n_free - 1 - i]
    for i in range(n):
        aggression[rows[i]] = aggression_of[kinds[i]] * rng.lognormal(0.0, spread)
    for i in range(n):
        autoreactive[rows[i]] = rng.random() < self_reactive_of[kinds[i]]
    for i in range(n):
        sheltered[rows[i]] = rng.random() < shelter
    for i in range(n):
        r, k = rows[i], kinds[i]
        _newborn(cells, r, born + i)
        kind[r], cd52[r], age[r], gen[r] = k, cd52_of[k], ages[i], generation
        memory[r] = expanded[r] = resident[r] = False
    return rows, n_free - n, born + n


@njit(cache=True)
def renew(
    cells, free, n_free, born, rate, counts, renewal_p, expand_p, drawn, counted, cd52_of,
    aggression_of, self_reactive_of, shelter, spread, generation, self_bias,
    lymphopenic_priming, priming_gain, last_attacker, rng,
):  # fmt: skip
    """The day's divisions and new cells, drawn in the order the array code drew them.

    Unless ``counted``, first draws per kind the new cells from progenitors (Poisson,
    ``rate``), the divisions that renew (binomial, ``renewal_p``) and the lymphopenic ones
    (``expand_p``) of the ``counts`` cells there are, into ``drawn``'s three rows. If the free
    stack holds fewer rows than they need, returns at once with the number needed, so the
    table can grow and call again with ``counted``. Otherwise the mothers are picked
    (:func:`_mothers`); each daughter keeps its mother's clone (kind, specificity, memory,
    aggression) and is sheltered as often as any new cell; a lymphopenic daughter is marked
    expanded and belongs to course ``generation``, and if naive and self-reactive comes out
    primed with chance ``lymphopenic_priming``. Then the new naive cells of each kind
    (:func:`make_cells`). Returns the free count and the serial number after the day's rows,
    and 0 rows short."""
    made, renewed, expanded_ = drawn[0], drawn[1], drawn[2]
    if not counted:
        for k in range(rate.size):
            made[k] = rng.poisson(rate[k])
        for k in range(rate.size):
            renewed[k] = rng.binomial(counts[k], renewal_p[k])
        for k in range(rate.size):
            expanded_[k] = rng.binomial(counts[k], expand_p[k])
    need = made.sum() + renewed.sum() + expanded_.sum()
    if need > n_free:
        return n_free, born, need
    kind, cd52, aggression, memory = cells[KIND], cells[CD52], cells[AGGRESSION], cells[MEMORY]
    autoreactive, gen, resident = cells[AUTOREACTIVE], cells[GENERATION], cells[RESIDENT]
    expanded, sheltered, x, alive = cells[EXPANDED], cells[SHELTERED], cells[X], cells[ALIVE]
    mother, lymph = _mothers(alive, x, kind, autoreactive, renewed, expanded_, self_bias, rng)
    n = mother.size
    rows = np.empty(n, np.int64)
    for i in range(n):
        r, m = free[n_free - 1 - i], mother[i]
        rows[i] = r
        kind[r], cd52[r], aggression[r] = kind[m], cd52[m], aggression[m]
        autoreactive[r], memory[r], resident[r] = autoreactive[m], memory[m], resident[m]
        expanded[r] = expanded[m] or lymph[i]
        gen[r] = generation if lymph[i] else gen[m]
        _newborn(cells, r, born + i)
    for i in range(n):
        sheltered[rows[i]] = rng.random() < shelter
    for i in range(n):
        r = rows[i]
        naive_self = lymph[i] and autoreactive[r] and not memory[r] and kind[r] <= last_attacker
        if naive_self and rng.random() < lymphopenic_priming:  # a draw for these only
            memory[r] = True
            aggression[r] *= priming_gain
    kinds = np.repeat(np.arange(made.size), made)
    _, n_free, born = make_cells(
        cells, free, n_free - n, born + n, kinds, np.zeros(kinds.size, np.int32), cd52_of,
        aggression_of, self_reactive_of, shelter, spread, generation, rng,
    )  # fmt: skip
    return n_free, born, 0


@njit(cache=True)
def _keep(rows, count, rng, p):
    """The rows, of the first ``count``, that pass a draw below ``p[i]`` (compacted in place)."""
    kept = 0
    for i in range(count):
        if rng.random() < p[i]:
            rows[kept] = rows[i]
            kept += 1
    return kept


@njit(cache=True)
def activate(
    alive,
    kind,
    x,
    autoreactive,
    memory,
    resident,
    activated,
    aggression,
    priming,
    priming_gain,
    b_help,
    treg_hold,
    b_memory_p,
    recall_p,
    wave,
    resident_recall,
    resident_hold,
    activated_days,
    last_attacker,
    b_kind,
    rng,
):
    """Priming of naive self-reactive T cells in the blood, memory B cells formed, and recall
    of primed cells (and of residents, on a wave's day, with chance ``wave x resident_hold``).
    ``b_help`` x ``treg_hold`` scales priming (B cells' antigen presentation, Tregs' restraint)."""
    n = alive.size
    naive = np.empty(n, np.int64)
    naive_b = np.empty(n, np.int64)
    p = np.empty(n, np.float64)
    n_naive = n_b = 0
    for r in range(n):
        if not alive[r] or memory[r]:
            continue
        if autoreactive[r] and x[r] == BLOOD and kind[r] <= last_attacker:
            naive[n_naive] = r
            p[n_naive] = priming[kind[r]] * b_help * treg_hold
            n_naive += 1
        if kind[r] == b_kind:
            naive_b[n_b] = r
            n_b += 1
    primed = _keep(naive, n_naive, rng, p)
    for i in range(primed):
        memory[naive[i]] = True
        aggression[naive[i]] *= priming_gain
    p[:n_b] = b_memory_p
    for i in range(_keep(naive_b, n_b, rng, p)):
        memory[naive_b[i]] = True
    # memory read again: cells primed a moment ago can be recalled today
    cand = naive  # reused as scratch
    n_cand = n_res = 0
    res = naive_b
    for r in range(n):
        if not alive[r] or activated[r] != 0:
            continue
        if autoreactive[r] and x[r] == BLOOD and kind[r] <= last_attacker and memory[r]:
            cand[n_cand] = r
            n_cand += 1
        if resident[r]:
            res[n_res] = r
            n_res += 1
    p[:n_cand] = recall_p
    on = _keep(cand, n_cand, rng, p)
    on_res = 0
    if wave >= resident_recall:
        p[:n_res] = wave * resident_hold
        on_res = _keep(res, n_res, rng, p)
    for i in range(on + on_res):
        r = cand[i] if i < on else res[i - on]
        activated[r] = min(1 + rng.geometric(1 / activated_days), 32767)  # int16's largest


@njit(cache=True)
def _uniforms(rng, n):
    out = np.empty(n)
    for i in range(n):
        out[i] = rng.random()
    return out


@njit(cache=True)
def cross_vessel_walls(
    alive, kind, x, y, activated, resident, p_active, p_resting, p_treg, entry, leave_p,
    treg_kind, vessel_x, vessel_y, rng,
):  # fmt: skip
    """Blood cells enter the tissue (activated ones readily, resting ones on patrol, Tregs
    drawn by inflammation, each times the drugs' ``entry`` factor for its kind) beside a
    vessel drawn at random; resting visitors that are not residents leave it. Draws as the
    array code did: one uniform per live cell to enter, one to leave, then each entering
    cell's vessel in row order."""
    n = 0
    for r in range(alive.size):
        n += alive[r]
    u_enter, u_leave = _uniforms(rng, n), _uniforms(rng, n)
    enter = np.empty(n, np.int64)
    n_enter = i = 0
    for r in range(alive.size):
        if not alive[r]:
            continue
        k = kind[r]
        if x[r] == BLOOD:
            if k == treg_kind:
                p = p_treg
            elif activated[r] > 0:
                p = p_active
            else:
                p = p_resting
            if u_enter[i] < p * entry[k]:
                enter[n_enter] = r
                n_enter += 1
        elif not (activated[r] > 0 or resident[r]) and u_leave[i] < leave_p:
            x[r] = BLOOD
            y[r] = BLOOD
        i += 1
    for j in range(n_enter):
        at = rng.integers(0, vessel_x.size)
        x[enter[j]], y[enter[j]] = vessel_x[at], vessel_y[at]


@njit(cache=True)
def migrate(
    alive, kind, x, y, activated, chemotaxis, treg_kind, neighbours, inflammation, height, rng,
):  # fmt: skip
    """Every tissue cell (row order) steps to a Moore neighbour or stays: activated cells and
    Tregs up the inflammation gradient (a tiny noise breaks ties) with chance ``chemotaxis``,
    the rest at random. Draws as the array code did: every cell's noise for each neighbour,
    then every random step, then every chance."""
    n = 0
    for r in range(alive.size):
        n += alive[r] and x[r] != BLOOD
    reach = neighbours.shape[1]
    noise = _uniforms(rng, n * reach).reshape((n, reach))
    step = np.empty(n, np.int64)
    for i in range(n):
        step[i] = rng.integers(0, reach)
    u = _uniforms(rng, n)
    i = 0
    for r in range(alive.size):
        if not alive[r] or x[r] == BLOOD:
            continue
        around = neighbours[x[r] * height + y[r]]
        to = around[step[i]]
        if u[i] < chemotaxis and (activated[r] > 0 or kind[r] == treg_kind):
            best = -np.inf
            for j in range(around.size):
                v = inflammation[around[j]] + noise[i, j] * 1e-6
                if v > best:
                    best, to = v, around[j]
        x[r] = to // height
        y[r] = to % height
        i += 1


@njit(cache=True)
def effector_census(alive, kind, x, autoreactive, memory, last_attacker, b_kind):
    """What the day's observation counts: the live effector rows (CD4 and CD8, row order),
    and how many cells are in the tissue, effectors self-reactive, effectors primed, and memory
    B cells in the blood."""
    effector = np.empty(alive.size, np.int64)
    n = tissue = auto = primed = memory_b = 0
    for r in range(alive.size):
        if not alive[r]:
            continue
        k = kind[r]
        if x[r] != BLOOD:
            tissue += 1
        elif k == b_kind and memory[r]:
            memory_b += 1
        if k <= last_attacker:
            effector[n] = r
            n += 1
            if autoreactive[r]:
                auto += 1
                if memory[r]:
                    primed += 1
    return effector[:n], tissue, auto, primed, memory_b


@njit(cache=True)
def repertoire(alive, kind, expanded, is_t_kind):
    """Live T cells, and how many of them were born by lymphopenia-driven division."""
    n_t = n_expanded = 0
    for r in range(alive.size):
        if alive[r] and is_t_kind[kind[r]]:
            n_t += 1
            if expanded[r]:
                n_expanded += 1
    return n_t, n_expanded


@njit(cache=True)
def _box_line(src, dst, nearest):
    """One line of a 3-wide running mean, as ``scipy.ndimage.uniform_filter1d`` computes it
    (the undivided running sum, divided at each site), value for value; beyond the ends the
    nearest value (``nearest``) or 0."""
    n = src.size
    left = src[0] if nearest else 0.0
    right = src[n - 1] if nearest else 0.0
    total = 0.0
    total += left
    total += src[0]
    total += src[1] if n > 1 else right
    dst[0] = total / 3.0
    for i in range(1, n):
        entering = src[i + 1] if i + 1 < n else right
        leaving = src[i - 2] if i >= 2 else left
        total += entering - leaving
        dst[i] = total / 3.0


@njit(cache=True)
def box_mean(field, nearest):
    """The mean over each site's 3 x 3 box: ``ndimage.uniform_filter(field, 3)`` with mode
    "nearest" or "constant", value for value."""
    width, height = field.shape
    along = np.empty_like(field)
    for j in range(height):
        _box_line(field[:, j], along[:, j], nearest)
    out = np.empty_like(field)
    for i in range(width):
        _box_line(along[i, :], out[i, :], nearest)
    return out


@njit(cache=True)
def strip_myelin(
    alive, kind, x, y, autoreactive, activated, aggression, integrity, scar, inflammation,
    macrophages, damage, unaided, treg_suppression, scar_fraction, inflammation_per_damage,
    last_attacker, treg_kind,
):  # fmt: skip
    """Activated self-reactive effectors in the tissue strip myelin where they stand (each
    ``damage`` x its aggression, of which a share ``unaided`` needs no macrophages and the rest
    comes in step with the site's macrophages), less so with Tregs in the 3 x 3 box; a site
    loses at most the myelin it has. On a day with any attacker, lasting damage (scar) follows
    the myelin missing and the loss inflames the site. Returns each site's loss."""
    width, height = integrity.shape
    loss = np.zeros((width, height))
    attackers = np.empty(alive.size, np.int64)
    tregs = np.zeros((width, height))
    n = 0
    for r in range(alive.size):
        if not alive[r] or x[r] == BLOOD:
            continue
        if kind[r] <= last_attacker and autoreactive[r] and activated[r] > 0:
            attackers[n] = r
            n += 1
        elif kind[r] == treg_kind:
            tregs[x[r], y[r]] += 1.0
    if n == 0:
        return loss
    nearby = box_mean(tregs, False) * 9
    for i in range(n):
        r = attackers[i]
        held = min(max(1 - treg_suppression * nearby[x[r], y[r]], 0.0), 1.0)
        helped = unaided + (1 - unaided) * macrophages[x[r], y[r]]
        loss[x[r], y[r]] += damage * aggression[r] * held * helped
    for i in range(width):
        for j in range(height):
            loss[i, j] = min(loss[i, j], integrity[i, j])
            integrity[i, j] -= loss[i, j]
            scar[i, j] = max(scar[i, j], scar_fraction * (1 - integrity[i, j]))
            inflammation[i, j] += loss[i, j] * inflammation_per_damage
    return loss


@njit(cache=True)
def recruit_macrophages(macrophages, inflammation, pull, keep):
    """Each site's free room for macrophages fills by ``1 - exp(-pull x inflammation)``, then
    a share ``keep`` of them stays the day."""
    width, height = macrophages.shape
    for i in range(width):
        for j in range(height):
            m, f = macrophages[i, j], inflammation[i, j]
            if m == 0.0 and f == 0.0:
                continue
            m -= (1 - m) * math.expm1(-pull * f)
            macrophages[i, j] = m * keep


@njit(cache=True)
def spread_inflammation(inflammation, diffusion, decay):
    """Inflammation diffuses to the 3 x 3 box (nearest value beyond the edge) and decays."""
    around = box_mean(inflammation, True)
    width, height = inflammation.shape
    for i in range(width):
        for j in range(height):
            f = ((1 - diffusion) * inflammation[i, j] + diffusion * around[i, j]) * (1 - decay)
            inflammation[i, j] = max(f, 0.0)  # the running sums can leave -1e-19 behind


@njit(cache=True)
def repair_myelin(
    integrity, scar, scar_peak, inflammation, repair_rate, restore_rate, lost_share, threshold
):
    """Myelin is repaired towards what the scar allows, slower where inflamed (``threshold``:
    the active-lesion level). With trophic support (``restore_rate`` > 0) the scar itself falls
    towards the part that is axons lost: ``lost_share`` of the most the site ever had."""
    width, height = integrity.shape
    for i in range(width):
        for j in range(height):
            s = scar[i, j]
            scar_peak[i, j] = max(scar_peak[i, j], s)
            held = 1 + inflammation[i, j] / threshold
            if restore_rate > 0:
                s -= restore_rate * max(s - lost_share * scar_peak[i, j], 0.0) / held
                scar[i, j] = s
            gap = max(1 - s - integrity[i, j], 0.0)
            integrity[i, j] += repair_rate * gap / held
