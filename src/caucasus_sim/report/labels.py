"""Human labels in reports: actors by name, balance axes by their patrons' names, decided
events by actor and action (or the CAMEO description of a reaction), from the folder's
configuration. Codes and event ids stay in the tables, where a reader looks them up."""

from __future__ import annotations

from ..config import cameo_table


class Labels:
    """The names a report writes for the codes and ids of one run's configuration."""

    def __init__(self, cfg) -> None:
        states = cfg.actors.states
        self.names = {str(c): str(s.name or c) for c, s in states.items()}
        for code, d in cfg.actors.diasporas.items():
            self.names[str(code)] = f"{self.names.get(str(d.origin), str(d.origin))} diaspora"

    def actor(self, code) -> str:
        return self.names.get(str(code), str(code))

    def proper(self, words: str) -> str:
        """An action's words with the states in them written as names: "turkey visit" ->
        "Turkey visit", "west visit" -> "EU and US visit"."""
        names = {n.lower(): n for n in self.names.values() if " " not in n}
        names.update({c.lower(): n for c, n in self.names.items() if "_" not in c})  # "west" -> "EU and US"
        return " ".join(names.get(w.lower(), w) for w in words.split(" "))

    def axis(self, axis: str) -> str:
        """A balance axis "TUR-RUS" as "Turkey–Russia"."""
        return "–".join(self.actor(p) for p in str(axis).split("-"))

    def client(self, code, axis: str = "") -> str:
        """A client with its balance axis: "Azerbaijan (Turkey–Russia)"."""
        return f"{self.actor(code)} ({self.axis(axis)})" if axis else self.actor(code)

    def event(self, event_id, origin: str) -> str:
        """A decided event ("RUS:raid_diaspora", "AZE:reaction:160") as "Russia: raid diaspora"
        or "Azerbaijan replies: reduce relations"; a scheduled event by its id in words."""
        parts = str(event_id).split(":")
        if origin == "strategy" and len(parts) == 2:
            return f"{self.actor(parts[0])}: {self.proper(parts[1].replace('_', ' '))}"
        if origin == "reaction" and len(parts) == 3:
            what = cameo_table().get(parts[2], ("",))[0].removesuffix(", not specified below") or f"CAMEO {parts[2]}"
            reply = "replies to cooperation" if parts[1].startswith("cooperative") else "replies"
            return f"{self.actor(parts[0])} {reply}: {what[0].lower() + what[1:]}"
        return str(event_id).replace("_", " ")

    def balance(self, axis: str) -> str:
        """The balance on an axis: "Turkey–Russia alignment balance"."""
        return f"{self.axis(axis)} alignment balance" if axis else "alignment balance"

    def events(self, counts) -> dict[str, str]:
        """Labels of every event id of an event table (id -> label)."""
        pairs = counts[["id", "origin"]].drop_duplicates().itertuples(index=False)
        return {str(i): self.event(i, str(o)) for i, o in pairs}
