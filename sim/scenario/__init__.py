"""The scenario: what the user wrote, read, checked and frozen before anything runs.

A scenario file is read once with line numbers (:mod:`.yamlsource`), ``--set`` overrides and
``--event`` what-ifs are applied to that source (:mod:`.loader`), the result is checked
against the frozen pydantic schema (:mod:`.schema`, with the distributions of
:mod:`.distributions`) and against the rules no schema can state (:mod:`.validation`:
references, reachability, carriage, citations). Every problem becomes one
``FILE:LINE: dotted.key: message`` line (:mod:`.problems`). The road network and its
shortest paths (:mod:`.network`) belong here too: they are a fact of the scenario.

Nothing in this package knows about simulated time; the engine only reads what it builds.
"""
