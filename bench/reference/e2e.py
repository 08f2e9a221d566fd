"""The pandas + scikit-learn + kneed script a data scientist would write to do what
`autoseg run --input FILE --user-id ID --out DIR` does, with autoseg's rules
(src/segmentation/engineer.ts, profile.ts, encode.ts, selectK.ts; defaults of options.ts), for
`npm run bench:e2e`.

    python e2e.py INPUT.csv USER_ID OUT_DIR [--sample-size 10000] [--seed 0] [--n-init 20]

Prints one JSON object on stdout: per-stage seconds, the matrix columns, the dictionary, the
inertia per k on the sample, the chosen k and the final inertia.

Rules mirrored (autoseg's defaults):
- rows in user-id order: ids read as text, shorter first, then by code unit (rowOrder.ts);
- the user id must be non-null and unique; a column named `time` or containing `exclude` dropped;
- null share > 0.25 dropped; one distinct value dropped (constant);
- identifiers dropped: a text column with one distinct value per row, an identifier-like name
  (a word among id, name, address, phone, email, ...) with distinct/rows >= 0.5, or a text
  column with so many distinct values that none can be on 10% of rows;
- 2 distinct values: binary (the more frequent value 0);
- numeric with 3+ distinct values: continuous, nulls -> median, min-max scaled (c_nationkey,
  25 integer codes, is continuous as in autoseg, which only warns about it);
- text with 3+ distinct values: one dummy per value on >= 10% of rows (count descending, then
  value), the rest in one `other` dummy; every dummy multiplied by 1 / (number of dummies);
- score k = 2..10 on the same 10,000 rows autoseg samples (its xoshiro128** seeded by
  splitmix32 and Floyd's algorithm, ported below), KMeans(n_init=20) per k, inertia and
  silhouette (autoseg computes both on the sample);
- k = kneed's KneeLocator(k, inertia, convex, decreasing).knee (autoseg's kneedle.ts is its port),
  else the best silhouette;
- final KMeans(k, n_init=20) on all rows; user id + segment (0..k-1, as autoseg numbers them)
  written as CSV (autoseg also writes a segment label and explains the segments: not mirrored).
"""
import json
import os
import re
import sys
import time

import numpy as np
import pandas as pd
from kneed import KneeLocator
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score

MAX_NULL_SHARE = 0.25
MIN_CATEGORY_SHARE = 0.10
ID_SHARE = 0.5
ID_TOKENS = {'id', 'uuid', 'guid', 'email', 'mail', 'phone', 'mobile', 'tel', 'name', 'firstname', 'lastname', 'fullname', 'username', 'address', 'ip', 'ssn'}
M32 = 0xFFFFFFFF


def identifier_like(name):
    words = [w for w in re.split(r'[^a-z0-9]+', re.sub(r'([a-z0-9])([A-Z])', r'\1_\2', name).lower()) if w]
    return any(w in ID_TOKENS for w in words) or 'email' in name.lower()


def no_value_can_be_kept(distinct, rows, share):
    """profile.ts noValueCanBeKept: the smallest count on `share` of rows leaves too few rows for the rest."""
    c = max(1, int(np.ceil(share * rows)))
    while c > 1 and (c - 1) / rows >= share:
        c -= 1
    while c / rows < share:
        c += 1
    return distinct > 1 + rows - c


class Rng:
    """autoseg's rng.ts (xoshiro128** seeded by splitmix32), so the scoring sample is the same rows."""

    def __init__(self, seed):
        x = (seed & M32) ^ (seed >> 32)
        s = []
        for _ in range(4):
            x = (x + 0x9E3779B9) & M32
            z = x
            z = ((z ^ (z >> 16)) * 0x85EBCA6B) & M32
            z = ((z ^ (z >> 13)) * 0xC2B2AE35) & M32
            s.append((z ^ (z >> 16)) & M32)
        if not any(s):
            s[0] = 1
        self.s = s

    def next_uint32(self):
        s0, s1, s2, s3 = self.s
        r = (s1 * 5) & M32
        result = ((((r << 7) | (r >> 25)) & M32) * 9) & M32
        t = (s1 << 9) & M32
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = ((s3 << 11) | (s3 >> 21)) & M32
        self.s = [s0, s1, s2, s3]
        return result

    def next_int(self, n):
        limit = 0x100000000 - (0x100000000 % n)
        while True:
            r = self.next_uint32()
            if r < limit:
                return r % n


def sample_indices(n, size, seed):
    """rng.ts sampleIndices: Floyd's algorithm, sorted."""
    if size >= n:
        return np.arange(n)
    rng = Rng(seed)
    chosen = set()
    for j in range(n - size, n):
        t = rng.next_int(j + 1)
        chosen.add(j if t in chosen else t)
    return np.array(sorted(chosen))


def engineer(df, user_id):
    """autoseg's per-column rules (engineer.ts) -> (matrix, columns, dictionary)."""
    n = len(df)
    blocks, names, dictionary = [], [], []
    for col in df.columns:
        if col == user_id:
            continue
        s = df[col]
        lower = col.lower()
        if lower == 'time' or 'exclude' in lower:
            dictionary.append({'column': col, 'treatment': 'dropped', 'reason': 'excluded_default'})
            continue
        nulls = int(s.isna().sum())
        if nulls / n > MAX_NULL_SHARE:
            dictionary.append({'column': col, 'treatment': 'dropped', 'reason': 'too_many_nulls'})
            continue
        numeric = pd.api.types.is_numeric_dtype(s)
        distinct = int(s.nunique(dropna=numeric)) if numeric else int(s.nunique(dropna=False))
        if distinct <= 1:
            dictionary.append({'column': col, 'treatment': 'dropped', 'reason': 'constant'})
            continue
        if (not numeric and distinct == n) or (identifier_like(col) and distinct / n >= ID_SHARE):
            dictionary.append({'column': col, 'treatment': 'dropped', 'reason': 'identifier', 'distinct': distinct})
            continue
        if not numeric and distinct >= 3 and no_value_can_be_kept(distinct, n, MIN_CATEGORY_SHARE):
            dictionary.append({'column': col, 'treatment': 'dropped', 'reason': 'identifier', 'distinct': distinct})
            continue
        if distinct == 2:
            counts = s.value_counts(dropna=not numeric)
            # The more frequent value is 0; on a tie the smaller one (null first), as dictionary.ts compareValues.
            order = sorted(counts.items(), key=lambda kv: (-kv[1], 0 if pd.isna(kv[0]) else 1, 0 if pd.isna(kv[0]) else kv[0]))
            one = order[1][0]
            bits = (s == one).to_numpy(dtype=np.float64)
            blocks.append(bits[:, None])
            names.append(col)
            dictionary.append({'column': col, 'treatment': 'binary', 'zero': order[0][0], 'one': one})
            continue
        if numeric:
            v = s.to_numpy(dtype=np.float64)
            median = float(np.nanmedian(v)) if nulls else float(np.median(v))
            if nulls:
                v = np.where(np.isnan(v), median, v)
            lo, hi = float(v.min()), float(v.max())
            blocks.append(((v - lo) / (hi - lo))[:, None])
            names.append(col)
            dictionary.append({'column': col, 'treatment': 'continuous', 'min': lo, 'max': hi, 'median': median})
            continue
        counts = s.value_counts(dropna=False)
        # autoseg's order: count descending, then value (null first, then by code unit).
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], 0 if pd.isna(kv[0]) else 1, '' if pd.isna(kv[0]) else kv[0]))
        kept = [v for v, c in ranked if c / n >= MIN_CATEGORY_SHARE]
        if not kept:
            dictionary.append({'column': col, 'treatment': 'dropped', 'reason': 'no_frequent_value'})
            continue
        has_other = len(kept) < distinct
        weight = 1 / (len(kept) + (1 if has_other else 0))
        # NULL is a category of its own in autoseg: give it a text stand-in so it can be kept or go to `other`.
        null = '\0null'
        cats = [null if pd.isna(v) else v for v in kept]
        codes = pd.Categorical(s.fillna(null) if nulls else s, categories=cats).codes  # -1: not kept
        dummies = np.zeros((n, len(kept) + (1 if has_other else 0)))
        rows = np.arange(n)
        if has_other:
            dummies[rows, np.where(codes >= 0, codes, len(kept))] = weight
        else:
            dummies[rows, codes] = weight
        blocks.append(dummies)
        names.extend([f'{col}={v}' for v in kept] + ([f'{col}=(other)'] if has_other else []))
        dictionary.append({'column': col, 'treatment': 'dummies', 'kept': [str(v) for v in kept], 'other': has_other})
    return np.ascontiguousarray(np.hstack(blocks)), names, dictionary


def main():
    args = sys.argv[1:]
    opts = {'--sample-size': 10_000, '--seed': 0, '--n-init': 20}
    pos = []
    i = 0
    while i < len(args):
        if args[i] in opts:
            opts[args[i]] = int(args[i + 1])
            i += 2
        else:
            pos.append(args[i])
            i += 1
    path, user_id, out_dir = pos
    seed, n_init, sample_size = opts['--seed'], opts['--n-init'], opts['--sample-size']
    t = {}

    t0 = time.perf_counter()
    df = pd.read_csv(path, engine='pyarrow', dtype={user_id: str})
    ids = df[user_id]
    if ids.isna().any() or not ids.is_unique:
        raise SystemExit(f'user id {user_id} has nulls or duplicates')
    # rowOrder.ts: shorter id first, then by code unit; a no-op for a file already in that order.
    order = np.lexsort((ids.to_numpy(dtype=object), ids.str.len().to_numpy()))
    if not np.array_equal(order, np.arange(len(df))):
        df = df.iloc[order].reset_index(drop=True)
    t['read'] = time.perf_counter() - t0

    t0 = time.perf_counter()
    x, names, dictionary = engineer(df, user_id)
    t['engineer'] = time.perf_counter() - t0

    t0 = time.perf_counter()
    sample = x[sample_indices(len(x), min(sample_size, len(x)), seed)]
    scores = []
    t['silhouette'] = 0.0  # part of score_k, reported apart to show where the stage goes
    for k in range(2, 11):
        km = KMeans(n_clusters=k, n_init=n_init, random_state=seed).fit(sample)
        ts = time.perf_counter()
        sil = float(silhouette_score(sample, km.labels_))
        t['silhouette'] += time.perf_counter() - ts
        scores.append({'k': k, 'inertia': float(km.inertia_), 'silhouette': sil})
    knee = KneeLocator([s['k'] for s in scores], [s['inertia'] for s in scores], curve='convex', direction='decreasing').knee
    chosen = int(knee) if knee is not None else max(scores, key=lambda s: s['silhouette'])['k']
    t['score_k'] = time.perf_counter() - t0

    t0 = time.perf_counter()
    final = KMeans(n_clusters=chosen, n_init=n_init, random_state=seed).fit(x)
    t['final_fit'] = time.perf_counter() - t0

    t0 = time.perf_counter()
    os.makedirs(out_dir, exist_ok=True)
    pd.DataFrame({user_id: df[user_id], 'segment': final.labels_}).to_csv(os.path.join(out_dir, 'segments.csv'), index=False)
    t['write'] = time.perf_counter() - t0

    print(
        json.dumps(
            {
                'rows': len(x),
                'columns': names,
                'dictionary': dictionary,
                'scores': scores,
                'elbowK': None if knee is None else int(knee),
                'k': chosen,
                'inertia': float(final.inertia_),
                'seconds': t,
            }
        )
    )


if __name__ == '__main__':
    main()
