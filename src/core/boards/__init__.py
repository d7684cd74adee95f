"""Boards, board columns, issue moves and the live board channel."""
