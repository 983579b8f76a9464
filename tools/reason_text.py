"""Reasons read from text: what a debtor wrote or said, as the non-payment reason it suggests.

Pure code, no ORM. Portuguese text is normalised (lower case, accents stripped, punctuation
dropped), cut into words, stop words left out and each word cut to its first ``STEM_CHARS``
letters (a crude stemmer: *desempregado*, *desemprego* and *desempregada* meet), then paired
with the next word (bigrams: *nao recon*, *ja pague*); the flags below are features too.

The classifier is a multinomial naive Bayes: a table of word counts per reason, kept as JSON
(no pickle, readable by a person, a few kilobytes). It needs no library and fits in a second on
tens of thousands of texts; its posterior is the suggestion's confidence. The company's
labelled logs are the reasons its agents chose or confirmed: below ``MIN_LABELLED`` of them,
or for a reason given fewer than ``MIN_PER_REASON`` times, nothing is suggested.

The flags (unemployment, already paid, does not recognise the debt, fraud suspected) are not
learnt: they are phrases, read by the patterns of ``FLAG_PATTERNS``.
"""

import math
import re
import unicodedata
from collections import Counter
from itertools import pairwise

# Below this many labelled texts in a company, no model and no suggestion.
MIN_LABELLED = 50
# A reason given fewer times than this is not learnt (its texts still count for the others).
MIN_PER_REASON = 5
# A suggestion less likely than this is not made.
MIN_CONFIDENCE = 0.5
# The latest share of the labelled texts held out to measure the fit (time-ordered).
HOLDOUT_SHARE = 0.2
# Words kept per model: the most frequent, seen in at least ``MIN_DOCUMENTS`` texts (a word seen
# once says little and would weigh in every suggestion).
MAX_VOCABULARY = 5000
MIN_DOCUMENTS = 2
STEM_CHARS = 5
MODEL_VERSION = 1

# Portuguese stop words, without accents. "nao", "nunca" and "ja" are kept: they carry meaning
# here ("nao reconheco", "ja paguei").
STOP_WORDS = frozenset(
    """
    a o as os um uma uns umas de do da dos das no na nos nas em ao aos pelo pela pelos pelas por
    para pra pro com sem sob sobre entre ate desde e ou mas que se como quando onde porque pois
    entao tambem so mais menos muito muita muitos muitas pouco eu tu ele ela nos vos eles elas
    voce voces me te lhe lhes meu minha meus minhas seu sua seus suas teu tua nosso nossa dele dela
    deles delas isso isto aquilo esse essa esses essas este esta estes estas aquele aquela aqueles
    aquelas ser sou e era foi fui sao estou esta estava estao estar ter tenho tem tinha tive teve
    ha havia vai vou sim oi ola bom boa dia tarde noite obrigado obrigada favor ai aqui
    la cliente senhor senhora sr sra ne tipo coisa agora hoje ainda q vc
    """.split()  # noqa: SIM905 - a word list reads best as words
)

# Flags read from phrases of the normalised text (see ``normalize``).
FLAG_UNEMPLOYMENT = "unemployment"
FLAG_ALREADY_PAID = "already_paid"
FLAG_NOT_RECOGNISED = "not_recognised"
FLAG_FRAUD = "fraud_suspected"
FLAG_PATTERNS = {
    FLAG_UNEMPLOYMENT: re.compile(
        r"\b(desempregad\w*|desemprego|demitid\w*|mandad[oa]s? embora"
        r"|perdi (o |meu )?(emprego|trabalho|servico)|fiquei sem (emprego|trabalho|servico|renda)"
        r"|estou sem (emprego|trabalho|servico|renda)|seguro desemprego|fui dispensad\w*)\b"
    ),
    FLAG_ALREADY_PAID: re.compile(
        r"\b(ja (paguei|pago|quitei|foi pag\w*|esta pag\w*|ta pag\w*|efetuei|fiz o pagamento|depositei|transferi)"
        r"|(?<!nao )paguei|quitei|esta quitad\w*|segue (o )?comprovante|mandei (o )?comprovante)\b"
    ),
    FLAG_NOT_RECOGNISED: re.compile(
        r"\b(nao (reconheco|conheco|fiz (essa|esta|a) compra|comprei|realizei|devo)|desconheco"
        r"|nunca comprei|nao e (minha|meu)|nao sei (que|de que|do que|qual) (divida|compra|conta))\b"
    ),
    FLAG_FRAUD: re.compile(
        r"\b(golpe\w*|fraude\w*|nao fui eu|clonad\w*|clonaram|estelionat\w*"
        r"|usaram (o )?(meu|meus|minha) (nome|dados|cpf|documentos?|cartao)"
        r"|roubaram (o )?(meu|meus|minha) (documentos?|cartao|carteira|celular|dados))\b"
    ),
}
FLAGS = tuple(FLAG_PATTERNS)

_NOT_WORD = re.compile(r"[^a-z0-9]+")


def normalize(text):
    """``text`` in lower case, accents stripped, anything but letters and digits a single space."""
    decomposed = unicodedata.normalize("NFKD", str(text or "").lower())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _NOT_WORD.sub(" ", plain).strip()


def tokens(text):
    """The features of ``text``: stems of its words (stop words, digits and single letters
    left out), each stem paired with the next (``"nao recon"``), and the flags it raises
    (``"flag:fraud_suspected"``: the fit learns which reasons they go with)."""
    plain = normalize(text)
    stems = [
        word[:STEM_CHARS] for word in plain.split() if len(word) > 1 and not word.isdigit() and word not in STOP_WORDS
    ]
    return [
        *stems,
        *(f"{first} {second}" for first, second in pairwise(stems)),
        *(f"flag:{flag}" for flag in FLAGS if FLAG_PATTERNS[flag].search(plain)),
    ]


def flags(text):
    """The flags ``text`` raises (a subset of ``FLAGS``), by phrase."""
    plain = normalize(text)
    return {flag for flag, pattern in FLAG_PATTERNS.items() if pattern.search(plain)}


def fit(samples, min_per_label=MIN_PER_REASON):
    """A naive Bayes model of ``samples`` (``[(text, label)]``, labels strings), or ``None``
    when fewer than two labels have ``min_per_label`` texts each.

    The model is a dict for JSON: ``labels`` (texts per label), ``counts`` (word counts per
    label), ``totals`` (words per label) and ``vocabulary`` (the size of the vocabulary).
    """
    documents = [(set(words), words, label) for words, label in ((tokens(text), label) for text, label in samples)]
    per_label = Counter(label for _words, _tokens, label in documents)
    labels = {label for label, count in per_label.items() if count >= min_per_label}
    if len(labels) < 2:
        return None
    frequency = Counter(word for words, _tokens, _label in documents for word in words)
    vocabulary = {
        word for word, count in frequency.most_common(MAX_VOCABULARY) if count >= min(MIN_DOCUMENTS, len(documents))
    }
    counts = {label: Counter() for label in labels}
    for _words, text_tokens, label in documents:
        if label in labels:
            counts[label].update(token for token in text_tokens if token in vocabulary)
    return {
        "version": MODEL_VERSION,
        "labels": {label: per_label[label] for label in sorted(labels)},
        "counts": {label: dict(sorted(counts[label].items())) for label in sorted(labels)},
        "totals": {label: sum(counts[label].values()) for label in sorted(labels)},
        "vocabulary": len(vocabulary),
    }


def predict(model, text):
    """``(label, confidence)`` for ``text``, or ``(None, 0.0)`` when the model knows none of its
    words. The confidence is the label's posterior probability (Laplace smoothing)."""
    if not model or not model.get("labels"):
        return None, 0.0
    all_counts = model["counts"].values()
    words = [token for token in tokens(text) if any(token in counts for counts in all_counts)]
    if not words:
        return None, 0.0
    documents = sum(model["labels"].values())
    size = model["vocabulary"] or 1
    scores = {}
    for label, count in model["labels"].items():
        counts, total = model["counts"][label], model["totals"][label]
        scores[label] = math.log(count / documents) + sum(
            math.log((counts.get(word, 0) + 1) / (total + size)) for word in words
        )
    best = max(scores, key=scores.get)
    top = scores[best]
    confidence = 1.0 / sum(math.exp(score - top) for score in scores.values())
    return best, confidence


def suggest(model, text, min_confidence=MIN_CONFIDENCE):
    """``(label, confidence)`` of ``predict`` when at least ``min_confidence``, else ``(None, confidence)``."""
    label, confidence = predict(model, text)
    return (label, confidence) if label and confidence >= min_confidence else (None, confidence)


def accuracy(model, samples):
    """Share of ``samples`` (``[(text, label)]``) the model labels right, suggestions held back
    (below the confidence) counted as wrong; ``None`` without samples."""
    if not samples:
        return None
    right = sum(1 for text, label in samples if suggest(model, text)[0] == label)
    return right / len(samples)


def fit_with_holdout(samples, min_labelled=MIN_LABELLED, min_per_label=MIN_PER_REASON, holdout=HOLDOUT_SHARE):
    """Fit on ``samples`` (``[(text, label)]``, oldest first) and say how well it suggests.

    The latest ``holdout`` share is held out: a model fitted on the older texts is measured
    on it; the model returned is then fitted on all of them. Returns ``{"model", "accuracy",
    "labelled", "held_out"}``; ``model`` is ``None`` below ``min_labelled`` texts or with fewer
    than two reasons learnt.
    """
    samples = [(text, label) for text, label in samples if normalize(text)]
    model, score, held_out = None, None, 0
    if len(samples) >= min_labelled:
        cut = len(samples) - max(1, int(len(samples) * holdout))
        older, latest = samples[:cut], samples[cut:]
        trial = fit(older, min_per_label)
        if trial:
            score, held_out = accuracy(trial, latest), len(latest)
        model = fit(samples, min_per_label)
    return {"model": model, "accuracy": score, "labelled": len(samples), "held_out": held_out}
