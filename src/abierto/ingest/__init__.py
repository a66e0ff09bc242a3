"""Publishing pipeline: any government file in, a clean typed table out.

detect → read (readers/) → stage → type → validate → profile → write release.
"""
