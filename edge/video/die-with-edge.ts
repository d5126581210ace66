/**
 * The edge's ffmpegs (recorders, stream pullers) run under `setpriv --pdeathsig TERM` (util-linux): the kernel sends it SIGTERM when the edge process
 * dies, however it dies — kill -9 included — and ffmpeg then finishes the segment it is writing and quits, so no
 * recorder outlives its edge and the next edge never records a camera twice. The edge starts ffmpeg from its
 * main thread, whose end is the process's end (the signal follows the parent thread).
 */
export const DIE_WITH_EDGE = ['setpriv', '--pdeathsig', 'TERM', '--'];
