"""Pure business rules of the exchange, free of I/O.

Orders flow: ``order_facts`` (the facts the rules read and the deal values
they produce), ``rollup`` (multimodal rollups and the orders they affect),
``versions`` (which version of an order wins) and ``conflicts`` (orders that
share a document number). The counterparty rules live in their own modules.
"""
