"""Small labelled files in each dataset format, for the format tests and bench/formats.py."""

import pandas as pd

ROBOTS = ["Kestrel", "Osprey", "Heron", "Falcon", "Merlin", "Harrier", "Kite", "Swift", "Plover", "Tern",
          "Gannet", "Avocet", "Curlew", "Dunlin", "Egret", "Fulmar", "Godwit", "Hobby", "Ibis", "Jacana"]
TOPICS = {
    "battery": ["The battery pack lasts {h} hours on one charge.", "Charge the {r} battery to 60% before storage.",
                "A full recharge of the {r} takes {h} minutes at the dock."],
    "safety": ["The {r} stops within {h} centimetres when the bumper is touched.",
               "Never ride on the {r} while it carries a load.", "The emergency stop of the {r} cuts motor power."],
    "pricing": ["The {r} costs {h} thousand dollars per unit.", "Volume discounts for the {r} start at {h} units.",
                "The {r} service contract is priced per robot per year."],
    "software": ["The {r} fleet software updates every {h} days.", "Administrators sign in to the {r} console "
                 "with single sign-on.", "The {r} API allows {h} requests per minute."],
}


def rows(format: str) -> pd.DataFrame:
    """A small labelled file of the format, with the default column names."""
    facts = [(f"How much can the {r} robot carry?", f"The {r} robot carries up to {10 * (i + 3)} kg of totes "
              f"between storage and packing, at {i % 3 + 1} metres per second.") for i, r in enumerate(ROBOTS)]
    if format == "pairs":
        return pd.DataFrame({"question": [q for q, _ in facts], "context": [c for _, c in facts]})
    if format == "triplets":
        return pd.DataFrame({"question": [q for q, _ in facts], "context": [c for _, c in facts],
                             "negative": [facts[(i + 1) % len(facts)][1] for i in range(len(facts))]})
    if format == "scored_pairs":
        first, second, scores = [], [], []
        for i, robot in enumerate(ROBOTS):
            first += [f"The {robot} carries heavy totes."] * 3
            second += [f"Heavy totes are carried by the {robot}.", f"The {robot} needs a charge after work.",
                       f"Invoices are due within {i + 20} days."]
            scores += [1.0, 0.4, 0.0]
        return pd.DataFrame({"sentence1": first, "sentence2": second, "score": scores})
    texts, labels = [], []
    for i, robot in enumerate(ROBOTS[:8]):
        for topic, templates in TOPICS.items():
            texts.append(templates[i % 3].format(r=robot, h=i + 4))
            labels.append(topic)
    return pd.DataFrame({"text": texts, "label": labels})
