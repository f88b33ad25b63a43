"""The Dazzle server runtime: settings, database, services, REST API.

Everything here is derived from one AppSpec at boot; requests only execute what boot built.
"""
