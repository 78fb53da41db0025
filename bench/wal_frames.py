#!/usr/bin/python3
"""Which B-trees a commit writes: the frames of a -wal file per commit, by table or index.

Usage: bench/wal_frames.py DATABASE WAL

DATABASE and WAL are copies of a running daemon's ca.db and ca.db-wal, taken
together while a bench runs (the daemon's open files name its state folder:
ls -l /proc/<pid>/fd). Only the frames of the WAL's current generation count,
those whose salts are the header's, up to the last one that ends a commit; a
frame torn by the copy ends the walk. Each frame's page is attributed to the
B-tree that holds it in DATABASE (SQLite's dbstat, opened read-only and
immutable, so the copy of the WAL beside it is not read); a page the database
copy does not have yet, one the commit appended, counts as "(new page)".

Prints the frames per commit and each B-tree's share, most first.
"""
import collections
import sqlite3
import struct
import sys

WAL_HEADER = struct.Struct('>IIIIIIII')  # magic, version, page size, checkpoint, salts, checksums
FRAME_HEADER = struct.Struct('>IIII')  # page number, database size after a commit (else 0), salts
FRAME_HEADER_SIZE = 24


def commits(wal_bytes):
    """The page numbers of each whole commit of the WAL's current generation."""
    _, _, page_size, _, salt1, salt2, _, _ = WAL_HEADER.unpack_from(wal_bytes)
    done, pages = [], []
    offset = WAL_HEADER.size
    while offset + FRAME_HEADER_SIZE + page_size <= len(wal_bytes):
        page, commit_size, frame_salt1, frame_salt2 = FRAME_HEADER.unpack_from(wal_bytes, offset)
        if (frame_salt1, frame_salt2) != (salt1, salt2):
            break
        pages.append(page)
        if commit_size != 0:
            done.append(pages)
            pages = []
        offset += FRAME_HEADER_SIZE + page_size
    return page_size, done


def owners(database):
    """Page number -> the name of the B-tree (table or index) holding it."""
    conn = sqlite3.connect(f'file:{database}?mode=ro&immutable=1', uri=True)
    try:
        return dict((page, name) for name, page in conn.execute('SELECT name, pageno FROM dbstat'))
    finally:
        conn.close()


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    with open(argv[2], 'rb') as wal:
        page_size, done = commits(wal.read())
    if not done:
        print('no whole commit in the WAL copy', file=sys.stderr)
        return 1
    owner = owners(argv[1])
    frames = collections.Counter(owner.get(page, '(new page)') for pages in done for page in pages)
    total = sum(frames.values())
    print(f'{len(done)} commits, {total / len(done):.1f} frames of {page_size} bytes each per commit')
    for name, count in frames.most_common():
        print(f'{name:40} {count / len(done):6.2f}')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
