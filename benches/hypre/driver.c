/* A small HYPRE driver for racing dcplan on its own exported systems.
 *
 * Reads DIR/A.mtx (Matrix Market coordinate real, a 5-point finite-volume operator on an
 * nx x ny grid, cell index = j*nx + i: `symmetric` storage, the lower triangle, or `general`,
 * every entry, for a nonsymmetric operator such as advection-diffusion) and DIR/b.mtx (array),
 * takes the grid shape from --nx/--ny or DIR/meta.json ({"nx": .., "ny": ..}), and solves
 * A x = b to ||b - A x||2 / ||b||2 <= rtol with
 *   pfmg       a Krylov method preconditioned by one PFMG V-cycle, Struct interface;
 *   boomeramg  a Krylov method preconditioned by one BoomerAMG V-cycle, IJ (ParCSR) interface.
 * The Krylov method follows the matrix (--krylov auto): PCG for a symmetric file, GMRES for a
 * general one; --krylov gmres|bicgstab chooses for either, pcg only for a symmetric file. The
 * record names the pair ("pfmg-pcg", "pfmg-gmres", "boomeramg-bicgstab", ...).
 * Under MPI the grid rows are split into contiguous bands, one per rank, the same bands for
 * both interfaces (a Struct box per rank, the matching IJ row range).
 *
 * Prints one JSON line per solve on stdout. Times are the slowest rank's, in seconds:
 *   assemble_s  building HYPRE's grid/matrix/vector objects from the stencil arrays in memory;
 *   setup_s     assemble_s + the solver's own setup (PCG and preconditioner hierarchy);
 *   solve_s     the PCG iteration;
 *   total_s     setup_s + solve_s.
 * Reading the text files is not timed in these (read_s says how long it took).
 * rel_residual is recomputed here from the file's coefficients, not taken from HYPRE.
 *
 * Exit codes: 0 solved (even if not to rtol: see "converged"), 1 HYPRE or MPI failure,
 * 2 bad input (the message names the file, line and reason).
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mpi.h>

#include "HYPRE.h"
#include "HYPRE_krylov.h"
#include "HYPRE_parcsr_ls.h"
#include "HYPRE_struct_ls.h"
#include "HYPRE_utilities.h"

static int rank_id = 0, rank_count = 1;

/* Bad input: one message from rank 0, exit code 2. Every rank reads the same files and
 * arguments with the same checks, so every rank stops here together and can finalise. */
static void input_error(const char *fmt, ...)
{
    if (rank_id == 0) {
        va_list ap;
        va_start(ap, fmt);
        fprintf(stderr, "hypre-driver: error: ");
        vfprintf(stderr, fmt, ap);
        fprintf(stderr, "\n");
        va_end(ap);
    }
    MPI_Finalize();
    exit(2);
}

/* A failure on one rank only (writing the gathered solution): the others are waiting in a
 * collective, so abort the job. */
static void io_error_rank0(const char *path)
{
    fprintf(stderr, "hypre-driver: error: %s: cannot write: %s\n", path, strerror(errno));
    MPI_Abort(MPI_COMM_WORLD, 2);
    exit(2);
}

static void hypre_check(HYPRE_Int code, const char *what)
{
    if (code != 0) {
        char msg[256];
        HYPRE_DescribeError(code, msg);
        fprintf(stderr, "hypre-driver: rank %d: %s failed: HYPRE error %d (%s)\n", rank_id, what,
                (int)code, msg);
        MPI_Abort(MPI_COMM_WORLD, 1);
        exit(1);
    }
}

static void *xmalloc(size_t bytes)
{
    void *p = calloc(bytes ? bytes : 1, 1);
    if (!p) {
        fprintf(stderr, "hypre-driver: rank %d: out of memory (%zu bytes)\n", rank_id, bytes);
        MPI_Abort(MPI_COMM_WORLD, 1);
        exit(1);
    }
    return p;
}

/* ---- settings ------------------------------------------------------------------------- */

enum krylov { KRYLOV_AUTO, KRYLOV_PCG, KRYLOV_GMRES, KRYLOV_BICGSTAB };
static const char *krylov_name[] = {"auto", "pcg", "gmres", "bicgstab"};

struct settings {
    const char *dir;
    long nx, ny;
    double rtol;
    int max_iter;
    int repeat;
    int run_pfmg, run_amg;
    int krylov;        /* enum krylov; KRYLOV_AUTO until the matrix is read */
    int gmres_kdim;    /* GMRES restart length */
    const char *x_out; /* folder for the solutions, or NULL */
    /* PFMG */
    int pfmg_relax, pfmg_rap, pfmg_skip, pfmg_pre, pfmg_post;
    /* BoomerAMG */
    int amg_coarsen, amg_interp, amg_pmax, amg_relax_down, amg_relax_up, amg_relax_coarse;
    int amg_agg_levels;
    double amg_theta;
};

static const char *usage =
    "usage: driver DIR [--nx N --ny N] [--rtol 1e-6] [--solver pfmg|boomeramg|both]\n"
    "              [--krylov auto|pcg|gmres|bicgstab] [--gmres-kdim 30]\n"
    "              [--max-iter 1000] [--repeat 1] [--x-out FOLDER]\n"
    "              [--pfmg-relax 2] [--pfmg-rap 0] [--pfmg-skip 1] [--pfmg-pre 1] [--pfmg-post 1]\n"
    "              [--amg-coarsen 10] [--amg-interp 6] [--amg-pmax 4] [--amg-theta 0.25]\n"
    "              [--amg-relax-down 13] [--amg-relax-up 14] [--amg-relax-coarse 9]\n"
    "              [--amg-agg-levels 0]\n";

static long parse_long(const char *flag, const char *text, long lo, long hi)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end || v < lo || v > hi)
        input_error("%s: expected an integer in [%ld, %ld], found '%s'", flag, lo, hi, text);
    return v;
}

static double parse_double(const char *flag, const char *text)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end || !isfinite(v))
        input_error("%s: expected a number, found '%s'", flag, text);
    return v;
}

static struct settings parse_args(int argc, char **argv)
{
    struct settings s = {
        .dir = NULL, .nx = 0, .ny = 0, .rtol = 1e-6, .max_iter = 1000, .repeat = 1,
        .run_pfmg = 1, .run_amg = 1, .krylov = KRYLOV_AUTO, .gmres_kdim = 30, .x_out = NULL,
        .pfmg_relax = 2, .pfmg_rap = 0, .pfmg_skip = 1, .pfmg_pre = 1, .pfmg_post = 1,
        .amg_coarsen = 10, .amg_interp = 6, .amg_pmax = 4, .amg_relax_down = 13,
        .amg_relax_up = 14, .amg_relax_coarse = 9, .amg_agg_levels = 0, .amg_theta = 0.25,
    };
    for (int a = 1; a < argc; a++) {
        const char *f = argv[a];
        if (!strcmp(f, "-h") || !strcmp(f, "--help")) {
            if (rank_id == 0) fputs(usage, stdout);
            MPI_Finalize();
            exit(0);
        }
        if (f[0] != '-') {
            if (s.dir) input_error("more than one folder given ('%s' and '%s')\n%s", s.dir, f, usage);
            s.dir = f;
            continue;
        }
        if (a + 1 >= argc) input_error("%s: missing value\n%s", f, usage);
        const char *v = argv[++a];
        if (!strcmp(f, "--nx")) s.nx = parse_long(f, v, 1, 1L << 30);
        else if (!strcmp(f, "--ny")) s.ny = parse_long(f, v, 1, 1L << 30);
        else if (!strcmp(f, "--rtol")) {
            s.rtol = parse_double(f, v);
            if (!(s.rtol > 0 && s.rtol < 1)) input_error("--rtol: expected a number in (0, 1), found %s", v);
        } else if (!strcmp(f, "--max-iter")) s.max_iter = (int)parse_long(f, v, 1, 1000000);
        else if (!strcmp(f, "--repeat")) s.repeat = (int)parse_long(f, v, 1, 1000);
        else if (!strcmp(f, "--x-out")) s.x_out = v;
        else if (!strcmp(f, "--solver")) {
            if (!strcmp(v, "pfmg")) s.run_pfmg = 1, s.run_amg = 0;
            else if (!strcmp(v, "boomeramg")) s.run_pfmg = 0, s.run_amg = 1;
            else if (!strcmp(v, "both")) s.run_pfmg = 1, s.run_amg = 1;
            else input_error("--solver: expected pfmg, boomeramg or both, found '%s'", v);
        }
        else if (!strcmp(f, "--krylov")) {
            int k = -1;
            for (int m = 0; m < 4; m++)
                if (!strcmp(v, krylov_name[m])) k = m;
            if (k < 0) input_error("--krylov: expected auto, pcg, gmres or bicgstab, found '%s'", v);
            s.krylov = k;
        }
        else if (!strcmp(f, "--gmres-kdim")) s.gmres_kdim = (int)parse_long(f, v, 1, 1000);
        else if (!strcmp(f, "--pfmg-relax")) s.pfmg_relax = (int)parse_long(f, v, 0, 3);
        else if (!strcmp(f, "--pfmg-rap")) s.pfmg_rap = (int)parse_long(f, v, 0, 1);
        else if (!strcmp(f, "--pfmg-skip")) s.pfmg_skip = (int)parse_long(f, v, 0, 1);
        else if (!strcmp(f, "--pfmg-pre")) s.pfmg_pre = (int)parse_long(f, v, 0, 10);
        else if (!strcmp(f, "--pfmg-post")) s.pfmg_post = (int)parse_long(f, v, 0, 10);
        else if (!strcmp(f, "--amg-coarsen")) s.amg_coarsen = (int)parse_long(f, v, 0, 22);
        else if (!strcmp(f, "--amg-interp")) s.amg_interp = (int)parse_long(f, v, 0, 100);
        else if (!strcmp(f, "--amg-pmax")) s.amg_pmax = (int)parse_long(f, v, 0, 100);
        else if (!strcmp(f, "--amg-theta")) s.amg_theta = parse_double(f, v);
        else if (!strcmp(f, "--amg-relax-down")) s.amg_relax_down = (int)parse_long(f, v, 0, 99);
        else if (!strcmp(f, "--amg-relax-up")) s.amg_relax_up = (int)parse_long(f, v, 0, 99);
        else if (!strcmp(f, "--amg-relax-coarse")) s.amg_relax_coarse = (int)parse_long(f, v, 0, 99);
        else if (!strcmp(f, "--amg-agg-levels")) s.amg_agg_levels = (int)parse_long(f, v, 0, 100);
        else input_error("unknown option '%s'\n%s", f, usage);
    }
    if (!s.dir) input_error("no folder given\n%s", usage);
    if ((s.nx == 0) != (s.ny == 0)) input_error("--nx and --ny go together");
    return s;
}

/* ---- input files ---------------------------------------------------------------------- */

/* Reads "nx" and "ny" from a flat JSON object. Returns 0 when the file does not exist. */
static int read_meta(const char *dir, long *nx, long *ny)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/meta.json", dir);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    char text[65536];
    size_t len = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[len] = 0;
    const char *keys[2] = {"\"nx\"", "\"ny\""};
    long *out[2] = {nx, ny};
    for (int k = 0; k < 2; k++) {
        const char *at = strstr(text, keys[k]);
        if (!at) input_error("%s: field %s: missing", path, keys[k]);
        at += strlen(keys[k]);
        while (isspace((unsigned char)*at)) at++;
        if (*at != ':') input_error("%s: field %s: expected ':'", path, keys[k]);
        at++;
        char *end;
        errno = 0;
        long v = strtol(at, &end, 10);
        if (errno || end == at || v < 1)
            input_error("%s: field %s: expected a positive integer", path, keys[k]);
        *out[k] = v;
    }
    return 1;
}

struct reader {
    FILE *f;
    char path[4096];
    long line_no;
    char line[1024];
};

static void reader_open(struct reader *r, const char *dir, const char *name)
{
    snprintf(r->path, sizeof r->path, "%s/%s", dir, name);
    r->f = fopen(r->path, "r");
    if (!r->f) input_error("%s: cannot open: %s", r->path, strerror(errno));
    static char buf_a[1 << 20], buf_b[1 << 20];
    setvbuf(r->f, !strcmp(name, "A.mtx") ? buf_a : buf_b, _IOFBF, 1 << 20);
    r->line_no = 0;
}

/* Next line; returns 0 at end of file. Long lines are an error. */
static int reader_next(struct reader *r)
{
    if (!fgets(r->line, sizeof r->line, r->f)) return 0;
    r->line_no++;
    size_t len = strlen(r->line);
    if (len == sizeof r->line - 1 && r->line[len - 1] != '\n')
        input_error("%s line %ld: line too long", r->path, r->line_no);
    return 1;
}

/* Header line, then the first line that is not a comment or blank. For a coordinate file,
 * *symmetric says which storage it declares (symmetric or general); NULL for an array. */
static void reader_header(struct reader *r, const char *want_kind, int *symmetric)
{
    if (!reader_next(r)) input_error("%s: empty file", r->path);
    char banner[64], object[64], format[64], field[64], symmetry[64];
    if (sscanf(r->line, "%63s %63s %63s %63s %63s", banner, object, format, field, symmetry) != 5 ||
        strcasecmp(banner, "%%MatrixMarket") != 0 || strcasecmp(object, "matrix") != 0)
        input_error("%s line 1: not a Matrix Market header", r->path);
    if (!strcmp(want_kind, "coordinate")) {
        if (strcasecmp(format, "coordinate") || strcasecmp(field, "real") ||
            (strcasecmp(symmetry, "symmetric") && strcasecmp(symmetry, "general")))
            input_error("%s line 1: expected 'matrix coordinate real symmetric' or 'matrix coordinate "
                        "real general', found '%s %s %s'", r->path, format, field, symmetry);
        *symmetric = !strcasecmp(symmetry, "symmetric");
    } else if (strcasecmp(format, "array") || strcasecmp(field, "real") || strcasecmp(symmetry, "general")) {
        input_error("%s line 1: expected 'matrix array real general', found '%s %s %s'", r->path,
                    format, field, symmetry);
    }
    for (;;) {
        if (!reader_next(r)) input_error("%s: no size line", r->path);
        const char *p = r->line;
        while (isspace((unsigned char)*p)) p++;
        if (*p && *p != '%') return;
    }
}

/* The rows this rank owns: grid rows [j0, j1), cells [j0*nx, j1*nx). */
struct band {
    long nx, ny, j0, j1;
    long c0, c1, cells; /* first cell, one past the last, count */
};

static struct band band_of(long nx, long ny, int rank, int ranks)
{
    struct band b;
    b.nx = nx, b.ny = ny;
    b.j0 = ny * rank / ranks;
    b.j1 = ny * (rank + 1) / ranks;
    b.c0 = b.j0 * nx, b.c1 = b.j1 * nx, b.cells = b.c1 - b.c0;
    return b;
}

/* The 5-point operator on this rank's band: coefficient of x[p], x[p-1], x[p+1], x[p-nx],
 * x[p+nx] in row p (w = west, e = east, s = south, n = north). Absent entries are zero. */
struct stencil {
    double *c, *w, *e, *s, *n;
};

static double parse_value(struct reader *r, const char **at)
{
    char *end;
    double v = strtod(*at, &end);
    if (end == *at) input_error("%s line %ld: expected a number", r->path, r->line_no);
    if (!isfinite(v)) input_error("%s line %ld: value is not finite", r->path, r->line_no);
    *at = end;
    return v;
}

static long parse_index(struct reader *r, const char **at, long n)
{
    char *end;
    errno = 0;
    long v = strtol(*at, &end, 10);
    if (errno || end == *at) input_error("%s line %ld: expected an index", r->path, r->line_no);
    if (v < 1 || v > n)
        input_error("%s line %ld: index %ld outside 1..%ld", r->path, r->line_no, v, n);
    *at = end;
    return v - 1;
}

/* Reads this rank's band of A; returns 1 for symmetric storage, 0 for general. */
static int read_matrix(const char *dir, const struct band *b, struct stencil *A)
{
    struct reader r;
    int symmetric;
    reader_open(&r, dir, "A.mtx");
    reader_header(&r, "coordinate", &symmetric);
    long rows, cols, nnz;
    if (sscanf(r.line, "%ld %ld %ld", &rows, &cols, &nnz) != 3)
        input_error("%s line %ld: expected 'rows cols nonzeros'", r.path, r.line_no);
    long n = b->nx * b->ny;
    if (rows != cols) input_error("%s line %ld: matrix is %ld x %ld, not square", r.path, r.line_no, rows, cols);
    if (rows != n)
        input_error("%s line %ld: %ld rows, but the grid is %ld x %ld = %ld cells", r.path,
                    r.line_no, rows, b->nx, b->ny, n);
    A->c = xmalloc(b->cells * sizeof(double));
    A->w = xmalloc(b->cells * sizeof(double));
    A->e = xmalloc(b->cells * sizeof(double));
    A->s = xmalloc(b->cells * sizeof(double));
    A->n = xmalloc(b->cells * sizeof(double));
    long seen = 0;
    while (reader_next(&r)) {
        const char *at = r.line;
        while (isspace((unsigned char)*at)) at++;
        if (!*at || *at == '%') continue;
        if (seen == nnz) input_error("%s line %ld: more entries than the %ld declared", r.path, r.line_no, nnz);
        long row = parse_index(&r, &at, n), col = parse_index(&r, &at, n);
        double v = parse_value(&r, &at);
        seen++;
        if (!symmetric) { /* every entry stands for itself, in its own row */
            long d = col - row, i = row % b->nx;
            double *slot = NULL;
            if (d == 0) slot = A->c;
            else if (d == -1 && i > 0) slot = A->w;
            else if (d == 1 && i + 1 < b->nx) slot = A->e;
            else if (d == -b->nx) slot = A->s;
            else if (d == b->nx) slot = A->n;
            else
                input_error("%s line %ld: entry (%ld, %ld) is not on the 5-point stencil of a %ld x %ld "
                            "grid (cell index = j*nx + i)", r.path, r.line_no, row + 1, col + 1, b->nx, b->ny);
            if (row >= b->c0 && row < b->c1) slot[row - b->c0] += v;
            continue;
        }
        if (row < col) { long t = row; row = col; col = t; } /* tolerate the upper triangle */
        long d = row - col;
        if (d == 0) {
            if (row >= b->c0 && row < b->c1) A->c[row - b->c0] += v;
        } else if (d == b->nx) { /* row's south neighbour; col's north */
            if (row >= b->c0 && row < b->c1) A->s[row - b->c0] += v;
            if (col >= b->c0 && col < b->c1) A->n[col - b->c0] += v;
        } else if (d == 1 && row % b->nx != 0) { /* row's west neighbour; col's east */
            if (row >= b->c0 && row < b->c1) A->w[row - b->c0] += v;
            if (col >= b->c0 && col < b->c1) A->e[col - b->c0] += v;
        } else {
            input_error("%s line %ld: entry (%ld, %ld) is not on the 5-point stencil of a %ld x %ld "
                        "grid (cell index = j*nx + i)", r.path, r.line_no, row + 1, col + 1, b->nx, b->ny);
        }
    }
    if (seen != nnz) input_error("%s: %ld entries, but the size line declares %ld", r.path, seen, nnz);
    fclose(r.f);
    return symmetric;
}

static double *read_rhs(const char *dir, const struct band *b)
{
    struct reader r;
    reader_open(&r, dir, "b.mtx");
    reader_header(&r, "array", NULL);
    long rows, cols;
    long n = b->nx * b->ny;
    if (sscanf(r.line, "%ld %ld", &rows, &cols) != 2)
        input_error("%s line %ld: expected 'rows cols'", r.path, r.line_no);
    if (rows != n || cols != 1)
        input_error("%s line %ld: vector is %ld x %ld, expected %ld x 1", r.path, r.line_no, rows, cols, n);
    double *out = xmalloc(b->cells * sizeof(double));
    long k = 0;
    while (reader_next(&r)) {
        const char *at = r.line;
        while (isspace((unsigned char)*at)) at++;
        if (!*at || *at == '%') continue;
        if (k == n) input_error("%s line %ld: more than %ld values", r.path, r.line_no, n);
        double v = parse_value(&r, &at);
        if (k >= b->c0 && k < b->c1) out[k - b->c0] = v;
        k++;
    }
    if (k != n) input_error("%s: %ld values, expected %ld", r.path, k, n);
    fclose(r.f);
    return out;
}

/* ---- the driver's own residual -------------------------------------------------------- */

/* ||b - A x||2 / ||b||2 with this file's coefficients; x is this rank's band. */
static double rel_residual(const struct band *b, const struct stencil *A, const double *rhs,
                           const double *x)
{
    long nx = b->nx;
    double *below = xmalloc(nx * sizeof(double)), *above = xmalloc(nx * sizeof(double));
    int down = rank_id > 0 ? rank_id - 1 : MPI_PROC_NULL;
    int up = rank_id + 1 < rank_count ? rank_id + 1 : MPI_PROC_NULL;
    /* my first row goes down, my last row goes up; halos are zero at the grid's edge */
    MPI_Sendrecv(x, (int)nx, MPI_DOUBLE, down, 1, above, (int)nx, MPI_DOUBLE, up, 1,
                 MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    MPI_Sendrecv(x + b->cells - nx, (int)nx, MPI_DOUBLE, up, 2, below, (int)nx, MPI_DOUBLE, down, 2,
                 MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    double sums[2] = {0, 0};
    for (long q = 0; q < b->cells; q++) {
        long i = q % nx;
        double ax = A->c[q] * x[q];
        if (i > 0) ax += A->w[q] * x[q - 1];
        if (i + 1 < nx) ax += A->e[q] * x[q + 1];
        ax += A->s[q] * (q >= nx ? x[q - nx] : below[i]);
        ax += A->n[q] * (q + nx < b->cells ? x[q + nx] : above[i]);
        double res = rhs[q] - ax;
        sums[0] += res * res;
        sums[1] += rhs[q] * rhs[q];
    }
    double total[2];
    MPI_Allreduce(sums, total, 2, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    free(below);
    free(above);
    return total[1] > 0 ? sqrt(total[0] / total[1]) : sqrt(total[0]);
}

/* Writes the whole solution (gathered on rank 0) as a Matrix Market array. */
static void write_solution(const char *folder, const char *name, const struct band *b, const double *x)
{
    long n = b->nx * b->ny;
    int *counts = NULL, *offsets = NULL;
    double *all = NULL;
    if (rank_id == 0) {
        counts = xmalloc(rank_count * sizeof(int));
        offsets = xmalloc(rank_count * sizeof(int));
        for (int k = 0; k < rank_count; k++) {
            struct band o = band_of(b->nx, b->ny, k, rank_count);
            counts[k] = (int)o.cells, offsets[k] = (int)o.c0;
        }
        all = xmalloc(n * sizeof(double));
    }
    MPI_Gatherv(x, (int)b->cells, MPI_DOUBLE, all, counts, offsets, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    if (rank_id == 0) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", folder, name);
        FILE *f = fopen(path, "w");
        if (!f) io_error_rank0(path);
        fprintf(f, "%%%%MatrixMarket matrix array real general\n%ld 1\n", n);
        for (long k = 0; k < n; k++) fprintf(f, "%.17e\n", all[k]);
        if (fclose(f)) io_error_rank0(path);
        free(all), free(counts), free(offsets);
    }
}

/* ---- timing and output ---------------------------------------------------------------- */

static double slowest(double seconds)
{
    double out;
    MPI_Allreduce(&seconds, &out, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    return out;
}

struct result {
    const char *solver, *interface;
    double assemble_s, setup_s, solve_s;
    int iterations;
    double hypre_rel_residual, rel_residual;
};

static void print_result(const struct settings *s, const struct result *r, double read_s,
                         int run, const char *settings_json)
{
    if (rank_id != 0) return;
    int major, minor, patch, single;
    HYPRE_VersionNumber(&major, &minor, &patch, &single);
    printf("{\"solver\":\"%s\",\"interface\":\"%s\",\"ranks\":%d,\"nx\":%ld,\"ny\":%ld,"
           "\"rtol\":%.3e,\"run\":%d,\"read_s\":%.6f,\"assemble_s\":%.6f,\"setup_s\":%.6f,"
           "\"solve_s\":%.6f,\"total_s\":%.6f,\"iterations\":%d,\"hypre_rel_residual\":%.10e,"
           "\"rel_residual\":%.10e,\"converged\":%s,\"hypre_version\":\"%d.%d.%d\",\"settings\":%s}\n",
           r->solver, r->interface, rank_count, s->nx, s->ny, s->rtol, run, read_s, r->assemble_s,
           r->setup_s, r->solve_s, r->setup_s + r->solve_s, r->iterations, r->hypre_rel_residual,
           r->rel_residual, r->rel_residual <= s->rtol ? "true" : "false", major, minor, patch,
           settings_json);
    fflush(stdout);
}

/* ---- Krylov methods: one calling pattern per interface, the method chosen by enum krylov -- */

static const char *pair_name(const char *precond, int krylov)
{
    static char names[2][4][32];
    int p = strcmp(precond, "pfmg") != 0;
    snprintf(names[p][krylov], sizeof names[p][krylov], "%s-%s", precond, krylov_name[krylov]);
    return names[p][krylov];
}

static HYPRE_StructSolver struct_krylov_create(const struct settings *s, HYPRE_StructSolver pfmg)
{
    HYPRE_StructSolver k;
    switch (s->krylov) {
    case KRYLOV_PCG:
        hypre_check(HYPRE_StructPCGCreate(MPI_COMM_WORLD, &k), "StructPCGCreate");
        HYPRE_StructPCGSetTol(k, s->rtol);
        HYPRE_StructPCGSetAbsoluteTol(k, 0.0);
        HYPRE_StructPCGSetMaxIter(k, s->max_iter);
        HYPRE_StructPCGSetTwoNorm(k, 1); /* stop on ||r||2 / ||b||2, not the preconditioned norm */
        HYPRE_StructPCGSetRelChange(k, 0);
        HYPRE_StructPCGSetLogging(k, 1);
        HYPRE_StructPCGSetPrintLevel(k, 0);
        HYPRE_StructPCGSetPrecond(k, HYPRE_StructPFMGSolve, HYPRE_StructPFMGSetup, pfmg);
        break;
    case KRYLOV_GMRES: /* right-preconditioned: its residual is the true one, ||r||2 / ||b||2 */
        hypre_check(HYPRE_StructGMRESCreate(MPI_COMM_WORLD, &k), "StructGMRESCreate");
        HYPRE_StructGMRESSetTol(k, s->rtol);
        HYPRE_StructGMRESSetAbsoluteTol(k, 0.0);
        HYPRE_StructGMRESSetMaxIter(k, s->max_iter);
        HYPRE_StructGMRESSetKDim(k, s->gmres_kdim);
        HYPRE_StructGMRESSetLogging(k, 1);
        HYPRE_StructGMRESSetPrintLevel(k, 0);
        HYPRE_StructGMRESSetPrecond(k, HYPRE_StructPFMGSolve, HYPRE_StructPFMGSetup, pfmg);
        break;
    default: /* KRYLOV_BICGSTAB, right-preconditioned too */
        hypre_check(HYPRE_StructBiCGSTABCreate(MPI_COMM_WORLD, &k), "StructBiCGSTABCreate");
        HYPRE_StructBiCGSTABSetTol(k, s->rtol);
        HYPRE_StructBiCGSTABSetAbsoluteTol(k, 0.0);
        HYPRE_StructBiCGSTABSetMaxIter(k, s->max_iter);
        HYPRE_StructBiCGSTABSetLogging(k, 1);
        HYPRE_StructBiCGSTABSetPrintLevel(k, 0);
        HYPRE_StructBiCGSTABSetPrecond(k, HYPRE_StructPFMGSolve, HYPRE_StructPFMGSetup, pfmg);
        break;
    }
    return k;
}

static void struct_krylov_setup(int krylov, HYPRE_StructSolver k, HYPRE_StructMatrix A,
                                HYPRE_StructVector b, HYPRE_StructVector x)
{
    if (krylov == KRYLOV_PCG) hypre_check(HYPRE_StructPCGSetup(k, A, b, x), "StructPCGSetup");
    else if (krylov == KRYLOV_GMRES) hypre_check(HYPRE_StructGMRESSetup(k, A, b, x), "StructGMRESSetup");
    else hypre_check(HYPRE_StructBiCGSTABSetup(k, A, b, x), "StructBiCGSTABSetup");
}

static HYPRE_Int struct_krylov_solve(int krylov, HYPRE_StructSolver k, HYPRE_StructMatrix A,
                                     HYPRE_StructVector b, HYPRE_StructVector x)
{
    if (krylov == KRYLOV_PCG) return HYPRE_StructPCGSolve(k, A, b, x);
    if (krylov == KRYLOV_GMRES) return HYPRE_StructGMRESSolve(k, A, b, x);
    return HYPRE_StructBiCGSTABSolve(k, A, b, x);
}

static void struct_krylov_finish(int krylov, HYPRE_StructSolver k, struct result *r)
{
    HYPRE_Int iters;
    if (krylov == KRYLOV_PCG) {
        HYPRE_StructPCGGetNumIterations(k, &iters);
        HYPRE_StructPCGGetFinalRelativeResidualNorm(k, &r->hypre_rel_residual);
        HYPRE_StructPCGDestroy(k);
    } else if (krylov == KRYLOV_GMRES) {
        HYPRE_StructGMRESGetNumIterations(k, &iters);
        HYPRE_StructGMRESGetFinalRelativeResidualNorm(k, &r->hypre_rel_residual);
        HYPRE_StructGMRESDestroy(k);
    } else {
        HYPRE_StructBiCGSTABGetNumIterations(k, &iters);
        HYPRE_StructBiCGSTABGetFinalRelativeResidualNorm(k, &r->hypre_rel_residual);
        HYPRE_StructBiCGSTABDestroy(k);
    }
    r->iterations = (int)iters;
}

/* The ParCSR Krylov methods: created by their ParCSR constructors, driven through HYPRE's
 * generic Krylov interface. */
static HYPRE_Solver parcsr_krylov_create(const struct settings *s, HYPRE_Solver amg)
{
    HYPRE_Solver k;
    HYPRE_PtrToSolverFcn solve = (HYPRE_PtrToSolverFcn)HYPRE_BoomerAMGSolve;
    HYPRE_PtrToSolverFcn setup = (HYPRE_PtrToSolverFcn)HYPRE_BoomerAMGSetup;
    switch (s->krylov) {
    case KRYLOV_PCG:
        hypre_check(HYPRE_ParCSRPCGCreate(MPI_COMM_WORLD, &k), "ParCSRPCGCreate");
        HYPRE_PCGSetTol(k, s->rtol);
        HYPRE_PCGSetAbsoluteTol(k, 0.0);
        HYPRE_PCGSetMaxIter(k, s->max_iter);
        HYPRE_PCGSetTwoNorm(k, 1);
        HYPRE_PCGSetRelChange(k, 0);
        HYPRE_PCGSetLogging(k, 1);
        HYPRE_PCGSetPrintLevel(k, 0);
        HYPRE_PCGSetPrecond(k, solve, setup, amg);
        break;
    case KRYLOV_GMRES:
        hypre_check(HYPRE_ParCSRGMRESCreate(MPI_COMM_WORLD, &k), "ParCSRGMRESCreate");
        HYPRE_GMRESSetTol(k, s->rtol);
        HYPRE_GMRESSetAbsoluteTol(k, 0.0);
        HYPRE_GMRESSetMaxIter(k, s->max_iter);
        HYPRE_GMRESSetKDim(k, s->gmres_kdim);
        HYPRE_GMRESSetLogging(k, 1);
        HYPRE_GMRESSetPrintLevel(k, 0);
        HYPRE_GMRESSetPrecond(k, solve, setup, amg);
        break;
    default:
        hypre_check(HYPRE_ParCSRBiCGSTABCreate(MPI_COMM_WORLD, &k), "ParCSRBiCGSTABCreate");
        HYPRE_BiCGSTABSetTol(k, s->rtol);
        HYPRE_BiCGSTABSetAbsoluteTol(k, 0.0);
        HYPRE_BiCGSTABSetMaxIter(k, s->max_iter);
        HYPRE_BiCGSTABSetLogging(k, 1);
        HYPRE_BiCGSTABSetPrintLevel(k, 0);
        HYPRE_BiCGSTABSetPrecond(k, solve, setup, amg);
        break;
    }
    return k;
}

static void parcsr_krylov_setup(int krylov, HYPRE_Solver k, HYPRE_ParCSRMatrix A,
                                HYPRE_ParVector b, HYPRE_ParVector x)
{
    if (krylov == KRYLOV_PCG) hypre_check(HYPRE_ParCSRPCGSetup(k, A, b, x), "ParCSRPCGSetup");
    else if (krylov == KRYLOV_GMRES) hypre_check(HYPRE_ParCSRGMRESSetup(k, A, b, x), "ParCSRGMRESSetup");
    else hypre_check(HYPRE_ParCSRBiCGSTABSetup(k, A, b, x), "ParCSRBiCGSTABSetup");
}

static HYPRE_Int parcsr_krylov_solve(int krylov, HYPRE_Solver k, HYPRE_ParCSRMatrix A,
                                     HYPRE_ParVector b, HYPRE_ParVector x)
{
    if (krylov == KRYLOV_PCG) return HYPRE_ParCSRPCGSolve(k, A, b, x);
    if (krylov == KRYLOV_GMRES) return HYPRE_ParCSRGMRESSolve(k, A, b, x);
    return HYPRE_ParCSRBiCGSTABSolve(k, A, b, x);
}

static void parcsr_krylov_finish(int krylov, HYPRE_Solver k, struct result *r)
{
    HYPRE_Int iters;
    if (krylov == KRYLOV_PCG) {
        HYPRE_PCGGetNumIterations(k, &iters);
        HYPRE_PCGGetFinalRelativeResidualNorm(k, &r->hypre_rel_residual);
        HYPRE_ParCSRPCGDestroy(k);
    } else if (krylov == KRYLOV_GMRES) {
        HYPRE_GMRESGetNumIterations(k, &iters);
        HYPRE_GMRESGetFinalRelativeResidualNorm(k, &r->hypre_rel_residual);
        HYPRE_ParCSRGMRESDestroy(k);
    } else {
        HYPRE_BiCGSTABGetNumIterations(k, &iters);
        HYPRE_BiCGSTABGetFinalRelativeResidualNorm(k, &r->hypre_rel_residual);
        HYPRE_ParCSRBiCGSTABDestroy(k);
    }
    r->iterations = (int)iters;
}

/* ---- PFMG-preconditioned Krylov on the Struct interface --------------------------------- */

static struct result solve_pfmg(const struct settings *s, const struct band *b,
                                const struct stencil *A, const double *rhs, double *x)
{
    struct result r = {.solver = pair_name("pfmg", s->krylov), .interface = "struct"};
    HYPRE_Int lower[2] = {0, (HYPRE_Int)b->j0}, upper[2] = {(HYPRE_Int)b->nx - 1, (HYPRE_Int)b->j1 - 1};
    HYPRE_Int offsets[5][2] = {{0, 0}, {-1, 0}, {1, 0}, {0, -1}, {0, 1}};
    HYPRE_Int entries[5] = {0, 1, 2, 3, 4};

    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = MPI_Wtime();
    HYPRE_StructGrid grid;
    hypre_check(HYPRE_StructGridCreate(MPI_COMM_WORLD, 2, &grid), "StructGridCreate");
    hypre_check(HYPRE_StructGridSetExtents(grid, lower, upper), "StructGridSetExtents");
    hypre_check(HYPRE_StructGridAssemble(grid), "StructGridAssemble");
    HYPRE_StructStencil stencil;
    hypre_check(HYPRE_StructStencilCreate(2, 5, &stencil), "StructStencilCreate");
    for (int k = 0; k < 5; k++)
        hypre_check(HYPRE_StructStencilSetElement(stencil, k, offsets[k]), "StructStencilSetElement");
    HYPRE_StructMatrix mat;
    hypre_check(HYPRE_StructMatrixCreate(MPI_COMM_WORLD, grid, stencil, &mat), "StructMatrixCreate");
    hypre_check(HYPRE_StructMatrixInitialize(mat), "StructMatrixInitialize");
    /* entry-fastest, then i, then j, as SetBoxValues expects; coefficients reaching past the
     * grid's edge are zero in the file's operator, so they are zero here */
    double *values = xmalloc(5 * b->cells * sizeof(double));
    for (long q = 0; q < b->cells; q++) {
        values[5 * q + 0] = A->c[q];
        values[5 * q + 1] = A->w[q];
        values[5 * q + 2] = A->e[q];
        values[5 * q + 3] = A->s[q];
        values[5 * q + 4] = A->n[q];
    }
    hypre_check(HYPRE_StructMatrixSetBoxValues(mat, lower, upper, 5, entries, values), "StructMatrixSetBoxValues");
    free(values);
    hypre_check(HYPRE_StructMatrixAssemble(mat), "StructMatrixAssemble");
    HYPRE_StructVector vb, vx;
    hypre_check(HYPRE_StructVectorCreate(MPI_COMM_WORLD, grid, &vb), "StructVectorCreate");
    hypre_check(HYPRE_StructVectorCreate(MPI_COMM_WORLD, grid, &vx), "StructVectorCreate");
    hypre_check(HYPRE_StructVectorInitialize(vb), "StructVectorInitialize");
    hypre_check(HYPRE_StructVectorInitialize(vx), "StructVectorInitialize");
    hypre_check(HYPRE_StructVectorSetBoxValues(vb, lower, upper, (double *)rhs), "StructVectorSetBoxValues");
    memset(x, 0, b->cells * sizeof(double));
    hypre_check(HYPRE_StructVectorSetBoxValues(vx, lower, upper, x), "StructVectorSetBoxValues");
    hypre_check(HYPRE_StructVectorAssemble(vb), "StructVectorAssemble");
    hypre_check(HYPRE_StructVectorAssemble(vx), "StructVectorAssemble");
    double t1 = MPI_Wtime();

    HYPRE_StructSolver krylov, pfmg;
    hypre_check(HYPRE_StructPFMGCreate(MPI_COMM_WORLD, &pfmg), "StructPFMGCreate");
    HYPRE_StructPFMGSetMaxIter(pfmg, 1); /* one V-cycle per preconditioner application */
    HYPRE_StructPFMGSetTol(pfmg, 0.0);
    HYPRE_StructPFMGSetZeroGuess(pfmg);
    HYPRE_StructPFMGSetRelaxType(pfmg, s->pfmg_relax);
    HYPRE_StructPFMGSetRAPType(pfmg, s->pfmg_rap);
    HYPRE_StructPFMGSetNumPreRelax(pfmg, s->pfmg_pre);
    HYPRE_StructPFMGSetNumPostRelax(pfmg, s->pfmg_post);
    HYPRE_StructPFMGSetSkipRelax(pfmg, s->pfmg_skip);
    HYPRE_StructPFMGSetLogging(pfmg, 0);
    HYPRE_StructPFMGSetPrintLevel(pfmg, 0);
    krylov = struct_krylov_create(s, pfmg);
    struct_krylov_setup(s->krylov, krylov, mat, vb, vx);
    MPI_Barrier(MPI_COMM_WORLD);
    double t2 = MPI_Wtime();
    HYPRE_Int solve_code = struct_krylov_solve(s->krylov, krylov, mat, vb, vx);
    MPI_Barrier(MPI_COMM_WORLD);
    double t3 = MPI_Wtime();
    /* not converging within max-iter is reported through "converged", not as a failure */
    if (solve_code != 0 && !HYPRE_CheckError(solve_code, HYPRE_ERROR_CONV))
        hypre_check(solve_code, "Struct Krylov solve");
    HYPRE_ClearAllErrors();

    struct_krylov_finish(s->krylov, krylov, &r);
    r.assemble_s = slowest(t1 - t0);
    r.setup_s = slowest(t2 - t0);
    r.solve_s = slowest(t3 - t2);
    hypre_check(HYPRE_StructVectorGetBoxValues(vx, lower, upper, x), "StructVectorGetBoxValues");
    r.rel_residual = rel_residual(b, A, rhs, x);

    HYPRE_StructPFMGDestroy(pfmg);
    HYPRE_StructVectorDestroy(vx);
    HYPRE_StructVectorDestroy(vb);
    HYPRE_StructMatrixDestroy(mat);
    HYPRE_StructStencilDestroy(stencil);
    HYPRE_StructGridDestroy(grid);
    return r;
}

/* ---- BoomerAMG-preconditioned Krylov on the IJ interface ------------------------------ */

static struct result solve_boomeramg(const struct settings *s, const struct band *b,
                                     const struct stencil *A, const double *rhs, double *x)
{
    struct result r = {.solver = pair_name("boomeramg", s->krylov), .interface = "ij"};
    long nx = b->nx, n = b->nx * b->ny;
    HYPRE_BigInt first = (HYPRE_BigInt)b->c0, last = (HYPRE_BigInt)b->c1 - 1;

    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = MPI_Wtime();
    /* CSR rows of this band in column order; zero coefficients are left out, as in the file */
    HYPRE_Int *ncols = xmalloc(b->cells * sizeof(HYPRE_Int));
    HYPRE_Int *diag_sizes = xmalloc(b->cells * sizeof(HYPRE_Int));
    HYPRE_Int *offd_sizes = xmalloc(b->cells * sizeof(HYPRE_Int));
    HYPRE_BigInt *rows = xmalloc(b->cells * sizeof(HYPRE_BigInt));
    HYPRE_BigInt *cols = xmalloc(5 * b->cells * sizeof(HYPRE_BigInt));
    double *vals = xmalloc(5 * b->cells * sizeof(double));
    long k = 0;
    for (long q = 0; q < b->cells; q++) {
        long p = b->c0 + q, i = p % nx;
        long nb[5] = {p - nx, p - 1, p, p + 1, p + nx};
        double cf[5] = {A->s[q], A->w[q], A->c[q], A->e[q], A->n[q]};
        int ok[5] = {p >= nx, i > 0, 1, i + 1 < nx, p + nx < n};
        rows[q] = p;
        ncols[q] = diag_sizes[q] = offd_sizes[q] = 0;
        for (int m = 0; m < 5; m++) {
            if (!ok[m] || (m != 2 && cf[m] == 0.0)) continue;
            cols[k] = nb[m], vals[k] = cf[m], k++;
            ncols[q]++;
            if (nb[m] >= b->c0 && nb[m] < b->c1) diag_sizes[q]++;
            else offd_sizes[q]++;
        }
    }
    HYPRE_IJMatrix ij;
    hypre_check(HYPRE_IJMatrixCreate(MPI_COMM_WORLD, first, last, first, last, &ij), "IJMatrixCreate");
    hypre_check(HYPRE_IJMatrixSetObjectType(ij, HYPRE_PARCSR), "IJMatrixSetObjectType");
    hypre_check(HYPRE_IJMatrixSetDiagOffdSizes(ij, diag_sizes, offd_sizes), "IJMatrixSetDiagOffdSizes");
    hypre_check(HYPRE_IJMatrixInitialize(ij), "IJMatrixInitialize");
    hypre_check(HYPRE_IJMatrixSetValues(ij, (HYPRE_Int)b->cells, ncols, rows, cols, vals), "IJMatrixSetValues");
    hypre_check(HYPRE_IJMatrixAssemble(ij), "IJMatrixAssemble");
    free(ncols), free(diag_sizes), free(offd_sizes), free(cols), free(vals);
    HYPRE_ParCSRMatrix par;
    hypre_check(HYPRE_IJMatrixGetObject(ij, (void **)&par), "IJMatrixGetObject");
    HYPRE_IJVector ib, ix;
    memset(x, 0, b->cells * sizeof(double));
    hypre_check(HYPRE_IJVectorCreate(MPI_COMM_WORLD, first, last, &ib), "IJVectorCreate");
    hypre_check(HYPRE_IJVectorCreate(MPI_COMM_WORLD, first, last, &ix), "IJVectorCreate");
    hypre_check(HYPRE_IJVectorSetObjectType(ib, HYPRE_PARCSR), "IJVectorSetObjectType");
    hypre_check(HYPRE_IJVectorSetObjectType(ix, HYPRE_PARCSR), "IJVectorSetObjectType");
    hypre_check(HYPRE_IJVectorInitialize(ib), "IJVectorInitialize");
    hypre_check(HYPRE_IJVectorInitialize(ix), "IJVectorInitialize");
    hypre_check(HYPRE_IJVectorSetValues(ib, (HYPRE_Int)b->cells, rows, rhs), "IJVectorSetValues");
    hypre_check(HYPRE_IJVectorSetValues(ix, (HYPRE_Int)b->cells, rows, x), "IJVectorSetValues");
    hypre_check(HYPRE_IJVectorAssemble(ib), "IJVectorAssemble");
    hypre_check(HYPRE_IJVectorAssemble(ix), "IJVectorAssemble");
    HYPRE_ParVector pb, px;
    hypre_check(HYPRE_IJVectorGetObject(ib, (void **)&pb), "IJVectorGetObject");
    hypre_check(HYPRE_IJVectorGetObject(ix, (void **)&px), "IJVectorGetObject");
    double t1 = MPI_Wtime();

    HYPRE_Solver krylov, amg;
    hypre_check(HYPRE_BoomerAMGCreate(&amg), "BoomerAMGCreate");
    HYPRE_BoomerAMGSetMaxIter(amg, 1); /* one V-cycle per preconditioner application */
    HYPRE_BoomerAMGSetTol(amg, 0.0);
    HYPRE_BoomerAMGSetPrintLevel(amg, 0);
    HYPRE_BoomerAMGSetCoarsenType(amg, s->amg_coarsen);
    HYPRE_BoomerAMGSetInterpType(amg, s->amg_interp);
    HYPRE_BoomerAMGSetPMaxElmts(amg, s->amg_pmax);
    HYPRE_BoomerAMGSetStrongThreshold(amg, s->amg_theta);
    HYPRE_BoomerAMGSetAggNumLevels(amg, s->amg_agg_levels);
    HYPRE_BoomerAMGSetCycleRelaxType(amg, s->amg_relax_down, 1);
    HYPRE_BoomerAMGSetCycleRelaxType(amg, s->amg_relax_up, 2);
    HYPRE_BoomerAMGSetCycleRelaxType(amg, s->amg_relax_coarse, 3);
    HYPRE_BoomerAMGSetNumSweeps(amg, 1);
    krylov = parcsr_krylov_create(s, amg);
    parcsr_krylov_setup(s->krylov, krylov, par, pb, px);
    MPI_Barrier(MPI_COMM_WORLD);
    double t2 = MPI_Wtime();
    HYPRE_Int solve_code = parcsr_krylov_solve(s->krylov, krylov, par, pb, px);
    MPI_Barrier(MPI_COMM_WORLD);
    double t3 = MPI_Wtime();
    if (solve_code != 0 && !HYPRE_CheckError(solve_code, HYPRE_ERROR_CONV))
        hypre_check(solve_code, "ParCSR Krylov solve");
    HYPRE_ClearAllErrors();

    parcsr_krylov_finish(s->krylov, krylov, &r);
    r.assemble_s = slowest(t1 - t0);
    r.setup_s = slowest(t2 - t0);
    r.solve_s = slowest(t3 - t2);
    hypre_check(HYPRE_IJVectorGetValues(ix, (HYPRE_Int)b->cells, rows, x), "IJVectorGetValues");
    r.rel_residual = rel_residual(b, A, rhs, x);

    free(rows);
    HYPRE_BoomerAMGDestroy(amg);
    HYPRE_IJVectorDestroy(ix);
    HYPRE_IJVectorDestroy(ib);
    HYPRE_IJMatrixDestroy(ij);
    return r;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_id);
    MPI_Comm_size(MPI_COMM_WORLD, &rank_count);
    hypre_check(HYPRE_Init(), "HYPRE_Init");

    struct settings s = parse_args(argc, argv);
    if (s.nx == 0 && !read_meta(s.dir, &s.nx, &s.ny))
        input_error("%s: no grid shape: give --nx and --ny, or write meta.json {\"nx\": .., \"ny\": ..}", s.dir);
    if (s.ny < rank_count)
        input_error("grid has %ld rows, fewer than the %d MPI ranks", s.ny, rank_count);
    if (s.nx * s.ny > 0x7fffffffL)
        input_error("grid %ld x %ld is too large for this 32-bit-index HYPRE build", s.nx, s.ny);

    struct band band = band_of(s.nx, s.ny, rank_id, rank_count);
    double t_read = MPI_Wtime();
    struct stencil A;
    int symmetric = read_matrix(s.dir, &band, &A);
    if (s.krylov == KRYLOV_AUTO) s.krylov = symmetric ? KRYLOV_PCG : KRYLOV_GMRES;
    if (s.krylov == KRYLOV_PCG && !symmetric)
        input_error("%s/A.mtx: --krylov pcg needs a symmetric matrix; this one is stored 'general' "
                    "(use gmres or bicgstab)", s.dir);
    double *rhs = read_rhs(s.dir, &band);
    double read_s = slowest(MPI_Wtime() - t_read);
    double *x = xmalloc(band.cells * sizeof(double));

    /* the Krylov settings: PCG's as they always were, the nonsymmetric methods' their own */
    char krylov_json[128];
    const char *storage = symmetric ? "symmetric" : "general";
    if (s.krylov == KRYLOV_PCG) snprintf(krylov_json, sizeof krylov_json, "\"pcg_two_norm\":1");
    else if (s.krylov == KRYLOV_GMRES)
        snprintf(krylov_json, sizeof krylov_json, "\"matrix\":\"%s\",\"krylov\":\"gmres\",\"kdim\":%d",
                 storage, s.gmres_kdim);
    else snprintf(krylov_json, sizeof krylov_json, "\"matrix\":\"%s\",\"krylov\":\"bicgstab\"", storage);
    char pfmg_json[384], amg_json[640];
    snprintf(pfmg_json, sizeof pfmg_json,
             "{%s,\"pfmg_max_iter\":1,\"relax_type\":%d,\"rap_type\":%d,"
             "\"skip_relax\":%d,\"num_pre_relax\":%d,\"num_post_relax\":%d}",
             krylov_json, s.pfmg_relax, s.pfmg_rap, s.pfmg_skip, s.pfmg_pre, s.pfmg_post);
    snprintf(amg_json, sizeof amg_json,
             "{%s,\"amg_max_iter\":1,\"coarsen_type\":%d,\"interp_type\":%d,"
             "\"p_max_elmts\":%d,\"strong_threshold\":%g,\"agg_num_levels\":%d,"
             "\"relax_down\":%d,\"relax_up\":%d,\"relax_coarse\":%d,\"num_sweeps\":1}",
             krylov_json, s.amg_coarsen, s.amg_interp, s.amg_pmax, s.amg_theta, s.amg_agg_levels,
             s.amg_relax_down, s.amg_relax_up, s.amg_relax_coarse);

    /* alternate the two solvers run by run, so drift in the machine's load hits both */
    for (int run = 1; run <= s.repeat; run++) {
        if (s.run_pfmg) {
            struct result r = solve_pfmg(&s, &band, &A, rhs, x);
            print_result(&s, &r, read_s, run, pfmg_json);
            if (s.x_out && run == s.repeat) write_solution(s.x_out, "x_pfmg.mtx", &band, x);
        }
        if (s.run_amg) {
            struct result r = solve_boomeramg(&s, &band, &A, rhs, x);
            print_result(&s, &r, read_s, run, amg_json);
            if (s.x_out && run == s.repeat) write_solution(s.x_out, "x_boomeramg.mtx", &band, x);
        }
    }

    free(x), free(rhs);
    free(A.c), free(A.w), free(A.e), free(A.s), free(A.n);
    HYPRE_Finalize();
    MPI_Finalize();
    return 0;
}
