"""Peer of bench/load-split.ts: load the 66 MB IMDB CSV (gzip) and split it as the seed homework does,
train_test_split(test_size=0.2, random_state=12) then train_test_split(rest, test_size=0.125, random_state=12).

Reads with pandas when it is installed (pd.read_csv, as the homework), else with the csv module. Prints one JSON
line: seconds for each step and, per part, the row count and the sha256 of its rows (text \\x1f label \\x1e ...), so
the TypeScript side can check it made the same split row for row.
usage: python3 load_split.py <IMDB_Dataset.csv.gz>
"""
import csv
import gzip
import hashlib
import json
import sys
import time

from sklearn.model_selection import train_test_split


def load(path):
    try:
        import pandas as pd
    except ImportError:
        with gzip.open(path, 'rt', encoding='utf-8', newline='') as f:
            reader = csv.reader(f)
            header = next(reader)
            t, l = header.index('review'), header.index('sentiment')
            return [(row[t], row[l]) for row in reader], 'csv module (pandas is not installed)'
    df = pd.read_csv(path, compression='gzip')
    return list(zip(df['review'].tolist(), df['sentiment'].tolist())), 'pandas ' + pd.__version__


def digest(rows):
    h = hashlib.sha256()
    for text, label in rows:
        h.update(text.encode('utf-8') + b'\x1f' + label.encode('utf-8') + b'\x1e')
    return h.hexdigest()


def main():
    path = sys.argv[1]
    t0 = time.perf_counter()
    rows, reader = load(path)
    t1 = time.perf_counter()
    train, test = train_test_split(rows, test_size=0.2, random_state=12)
    train, valid = train_test_split(train, test_size=0.125, random_state=12)
    t2 = time.perf_counter()
    parts = {name: {'rows': len(p), 'sha256': digest(p)} for name, p in (('train', train), ('valid', valid), ('test', test))}
    print(json.dumps({'reader': reader, 'load_s': t1 - t0, 'split_s': t2 - t1, 'parts': parts}))


if __name__ == '__main__':
    main()
