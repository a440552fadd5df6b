"""Organisations: the directory of DoH, NHS CB, SHAs, PCTs, CCGs, CSUs and suppliers."""
