// Unit tests of this gateway's handlers (next commit).
