"""Ranking candidate answers: the one the reading speaks is the best by `score`.

A candidate's score is its mean log-likelihood per character under the network (fluency as the
network knows it), plus KEYWORD for each question word it uses whole (counting those the answer
used before it, at most KEYWORDS_COUNTED), minus the share of its words that begin with a question
word's first letter (alliteration), minus the share of its words that repeat one of its own, minus
UNFINISHED when it was cut off by the round's cap rather than ending a sentence.

Measured on the shipped default, 24 questions (tuning; docs/answers.md), 8 candidates (issue #25):
likelihood alone picks candidates that leave the question's words out (topicality 71% -> 67%);
with the keyword term 96%. The weights were chosen by re-ranking the same candidates (2 seeds):
keyword 0.3 / alliteration 1 / repetition 1 gave an embedding margin of 0.256 and top-1 65%;
0.5 / 2 / 2 gave 0.285 and 75%, alliteration 17% -> 16%. Ranking by how much the
question raised the likelihood (log P(answer | question) - log P(answer | a neutral prompt), the
mutual information of Li et al. 2016) was tried and dropped: the difference is a few thousandths
of a nat per character for every candidate (the state after a question carries little of it),
and it did not pick better answers.
"""

from __future__ import annotations

from oracle.engine.data.words import split_words, uses

KEYWORD = 0.5  # per question word used (about the gap between a fluent and a halting candidate's log-likelihood)
KEYWORDS_COUNTED = 2  # more than two question words in one answer is a list, not a reply
ALLITERATION = 2.0  # per share of its words that begin with a question word's first letter
REPETITION = 2.0  # per share of its words that repeat one of its own
UNFINISHED = 1.0


def keywords_used(text: str, keywords: list[str]) -> int:
    said = [w.lower() for w in split_words(text)]
    return sum(any(uses(w, k) for w in said) for k in keywords)


def score(text: str, mean_logp: float, keywords: list[str], before: str = "", finished: bool = True) -> float:
    """How good a candidate `text` is as the next part of an answer that so far says `before`."""
    said = [w.lower() for w in split_words(text)]
    n = max(1, len(said))
    firsts = {k[0] for k in keywords if k}
    alliteration = sum(w[0] in firsts for w in said) / n
    repetition = (len(said) - len(set(said))) / n
    used = keywords_used(before + " " + text, keywords) if keywords else 0
    return (mean_logp + KEYWORD * min(used, KEYWORDS_COUNTED) - ALLITERATION * alliteration - REPETITION * repetition
            - (0.0 if finished else UNFINISHED))
