"""Runs a command and reports its peak RSS: python tests/peak_rss.py CMD...

The last stderr line is 'peak_rss_bytes N': the largest resident set of the
command or of any of its children it waited for (getrusage of this
wrapper's children, so only the command's own process tree counts).
"""

import resource
import subprocess
import sys

if __name__ == '__main__':
  rc = subprocess.call(sys.argv[1:])
  peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024  # KiB on Linux
  print(f'peak_rss_bytes {peak}', file=sys.stderr)
  sys.exit(rc)
