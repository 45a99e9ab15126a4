"""A small English corpus the project generates itself: simple facts and little stories.

Templated but varied, so a tiny GPT trained on it makes next-token predictions a class can read
("The cat sat on the" -> "mat"). Deterministic for a given seed; no downloads, no licence questions.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

ANIMALS = ["cat", "dog", "bird", "fish", "horse", "cow", "fox", "rabbit", "mouse", "duck", "frog", "bear"]
# Each animal has a favourite spot to sit, a sound and a food: fixed associations give the model
# something real to learn (and the page something readable to show).
SITS_ON = {"cat": "mat", "dog": "rug", "bird": "branch", "fish": "rock", "horse": "hill", "cow": "grass",
           "fox": "log", "rabbit": "grass", "mouse": "chair", "duck": "pond", "frog": "leaf", "bear": "log"}
SOUND = {"cat": "meows", "dog": "barks", "bird": "sings", "fish": "swims", "horse": "neighs", "cow": "moos",
         "fox": "yips", "rabbit": "hops", "mouse": "squeaks", "duck": "quacks", "frog": "croaks", "bear": "growls"}
EATS = {"cat": "fish", "dog": "bones", "bird": "seeds", "fish": "worms", "horse": "hay", "cow": "grass",
        "fox": "berries", "rabbit": "carrots", "mouse": "cheese", "duck": "bread", "frog": "flies", "bear": "honey"}
NAMES = ["Tom", "Anna", "Sam", "Lily", "Max", "Mia", "Ben", "Emma", "Leo", "Zoe", "Jack", "Lucy"]
COLORS = ["red", "blue", "green", "yellow", "black", "white", "brown", "pink"]
OBJECTS = ["ball", "box", "hat", "book", "cup", "kite", "key", "shoe", "bag", "toy"]
PLACES = ["park", "garden", "forest", "house", "school", "river", "farm", "beach", "town", "field"]
FEELINGS = ["happy", "sad", "tired", "hungry", "excited", "scared", "sleepy", "proud"]
CAPITALS = {"France": "Paris", "Italy": "Rome", "Spain": "Madrid", "Germany": "Berlin", "Japan": "Tokyo",
            "England": "London", "Egypt": "Cairo", "Russia": "Moscow", "China": "Beijing", "Greece": "Athens"}
NUMBERS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
FACTS = ["The sun is hot.", "Snow is cold.", "Water is wet.", "Birds can fly.", "Fish can swim.",
         "The sky is blue.", "Grass is green.", "Ice is cold.", "Fire is hot.", "The moon is bright at night.",
         "Trees are tall.", "Rain falls from the sky.", "Bees make honey.", "Cows give milk."]
WEATHER = ["sunny", "rainy", "windy", "cold", "warm", "cloudy"]


@dataclass
class CorpusConfig:
    n_docs: int = 20000  # short documents (a fact list, a scene, a story); ~40 words each
    seed: int = 0  # the same seed always gives the same text


def _animal_scene(r: random.Random) -> str:
    a = r.choice(ANIMALS)
    art = "An" if a[0] in "aeiou" else "The"
    lines = [f"{art} {a} sat on the {SITS_ON[a]}.",
             f"The {a} {SOUND[a]}.",
             f"The {a} likes to eat {EATS[a]}.",
             f"The {a} is {r.choice(FEELINGS)}."]
    r.shuffle(lines)
    return " ".join(lines[: r.randint(2, 4)])


def _story(r: random.Random) -> str:
    name, a, place = r.choice(NAMES), r.choice(ANIMALS), r.choice(PLACES)
    color, obj = r.choice(COLORS), r.choice(OBJECTS)
    pron = "she" if name in {"Anna", "Lily", "Mia", "Emma", "Zoe", "Lucy"} else "he"
    friend = r.choice([n for n in NAMES if n != name])
    s = [f"Once upon a time, there was a little {a} named {name}.",
         f"{name} lived near the {place}.",
         f"One day, {name} found a {color} {obj} in the {place}.",
         f"{pron.capitalize()} was very {r.choice(FEELINGS)}.",
         f"{name} showed the {color} {obj} to {friend}.",
         f"{friend} said, \"What a nice {obj}!\"",
         f"Then the {a} sat on the {SITS_ON[a]} and ate some {EATS[a]}.",
         "The end."]
    return " ".join(s[:3] + r.sample(s[3:7], r.randint(1, 4)) + s[7:])


def _facts(r: random.Random) -> str:
    country = r.choice(list(CAPITALS))
    out = [f"{CAPITALS[country]} is the capital of {country}.",
           f"The capital of {country} is {CAPITALS[country]}."]
    out += r.sample(FACTS, 3)
    r.shuffle(out)
    return " ".join(out[: r.randint(2, 5)])


def _counting(r: random.Random) -> str:
    if r.random() < 0.5:
        i = r.randint(0, 6)
        return "Let us count: " + ", ".join(NUMBERS[: i + 4]) + "."
    i = r.randint(0, 5)
    return f"{DAYS[i]} comes before {DAYS[i + 1]}. After {DAYS[i + 1]} comes {DAYS[(i + 2) % 7]}."


def _day(r: random.Random) -> str:
    name, place, w = r.choice(NAMES), r.choice(PLACES), r.choice(WEATHER)
    return (f"It was a {w} day. {name} went to the {place} with a {r.choice(COLORS)} {r.choice(OBJECTS)}. "
            f"{name} saw a {r.choice(ANIMALS)} and felt {r.choice(FEELINGS)}.")


KINDS = (_animal_scene, _story, _facts, _counting, _day)


def generate(cfg: CorpusConfig = CorpusConfig()) -> list[str]:
    """Returns n_docs documents (strings), deterministic in cfg.seed."""
    r = random.Random(cfg.seed)
    return [r.choice(KINDS)(r) for _ in range(cfg.n_docs)]


def quoted(docs: list[str], share: float = 0.3, seed: int = 0) -> str:
    """The docs as one text where a `share` of the sentences are shouted quotes ("THE DOG BARKS."):
    to predict upper or lower case a character model must remember whether a quote is open, so
    its units learn to track "inside quotes" (the page shows the one that does it best)."""
    import re

    r = random.Random(seed)
    out = []
    for doc in docs:
        for s in re.findall(r'[^.!?"]+[.!?]', doc.replace('"', "")):
            s = s.strip()
            out.append(f'"{s.upper()}"' if r.random() < share else s)
    return " ".join(out)
