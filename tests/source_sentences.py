"""Fingerprints of the source page's sentences, so tests can prove the demo content does not
copy them without the project carrying the source text itself.

Each entry is the SHA-256 of one normalized whole sentence (see ``sentences``) of eight or
more words from ``../shared/seed/diversity-inclusion-page.txt``. Regenerate with
``python -m tests.source_sentences ../shared/seed/diversity-inclusion-page.txt``.
"""

import hashlib
import re
import sys

MIN_WORDS = 8


def normalize(sentence):
    words = re.findall(r"[a-z0-9]+", sentence.lower().replace("’", "'"))
    return " ".join(words)


def sentences(text):
    """Whole sentences (ending in . ! or ?) of eight or more words; headings and labels are facts."""
    for chunk in re.split(r"(?<=[.!?])\s+|\n+", text):
        if not chunk.strip().endswith((".", "!", "?")):
            continue
        normalized = normalize(chunk)
        if len(normalized.split()) >= MIN_WORDS:
            yield normalized


def fingerprint(sentence):
    return hashlib.sha256(sentence.encode()).hexdigest()


SOURCE_FINGERPRINTS = {
    "c5e8e62693728703c250dbc732ddf8bd038ace766305a5ea6c54f7496780d7f7",
    "5dc54823fa1a213be069c5ea9bf522d3c65c637156dba908ab1621bd707d794d",
    "fb528abadeab59bd57548355467d973148e4c9327f079d44e51efa3cfeea3858",
    "1b58622b8e0d47e92054e3782a7cbd8a074f13bafb686eb0a3a751aecab510a8",
    "371d54b06444773b4a42545f58c097ed65e09cb085e2ed4bb2de280dabb3f580",
    "47c3c1fbe5659d8ed401dfdcfe98f735958fe2a446107b56dae03cfb32bdfdad",
    "fe27a86291401eb46d35c88cb03257221ef63dc63fabe07328e6f1897f5110a1",
    "4829d18b35185e7744a3546077592471e3a94ec748a8d7232bde7c94baa3a144",
    "12030e4971ff290544c9887b861cebcd774c4e7266c3f777b4f58d4b33d4f5d0",
    "b2c01ebd900c89c90faf6a7678d69c1ac5d1e1826d440c253fae28f07c0bb1e1",
    "c02740a46a9b8e363b336e4ed1a053208269be23bbb263b4254564e8a53891f8",
    "6f2b65f60c869ac7f078db1bd3f59a7a8931e8cae450557873c92762a9e9ad7e",
    "29b3f1c20ada7b42d1b594d7873610e5e36fbe215485b3c9f63a40155ffa0e38",
    "d22bf7420d270165e5a62082b663d189038f03cbb52676b3870b29ed0dbdb216",
    "b3428d95ec0b0ae35f3f90bf4f4dd57f225898e507f106fe2f4885e09275758a",
    "968138929b8244639ba1f4a03d4ad6831fad01d29ea011a3dbe13a7b04aa319b",
    "2a65e55e095e9cca196b845ba2dc57084f5ab4cc6bc702d0d77e247fe6ae2609",
    "d8e2d2a8c421665200579bd8ea840bfabca46bd174b1d166eaf549265982ba8e",
}

if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as source:
        for sentence in sorted(set(sentences(source.read()))):
            print(f'    "{fingerprint(sentence)}",')
