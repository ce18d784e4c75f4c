/* Writes <case>-timeline.gp: the settings plots/timeline.gp reads to draw one panel per allocator family. */
#include <stdio.h>

#include "report.h"
#include "timeline_panels.h"

int timeline_settings_write(const struct timeline_case *tc, const char *case_name, const char *dir, const char *name,
                            const char *note, char *error, size_t error_size)
{
    char path[4096], title[512];
    FILE *gp = gp_open(dir, name, ".gp", error, error_size);
    if (!gp)
        return -1;
    snprintf(path, sizeof path, "%s/%s.dat", dir, name);
    snprintf(title, sizeof title,
             "%s: RSS over time, one panel per allocator family (the first clean rep of each profile)\n"
             "dots: each profile's phase marks · grey lines: those of the panel's first profile · dashed: live bytes",
             case_name);
    fputs("# Written by fb-report: the settings of one timeline plot, read by plots/timeline.gp.\n", gp);
    gp_script_line(gp, "timeline");
    fputs("datafile = ", gp);
    gp_string(gp, path);
    fprintf(gp, "\npanels = %zu\nx_max = %.4f\ny_max = %.1f\ntitle = ", tc->panel_count, tc->axes.x_max,
            tc->axes.y_max);
    gp_string(gp, title);
    fputs("\nfootnote = ", gp);
    gp_string(gp, note);
    fputc('\n', gp);
    /* Per panel: its family, and the blocks of its profiles, of its live bytes and of its marks (-1: none). */
    for (size_t p = 0; p < tc->panel_count; p++) {
        const struct timeline_panel *panel = &tc->panels[p];
        fprintf(gp, "family_%zu = ", p + 1);
        gp_string(gp, panel->family);
        fprintf(gp, "\nfirst_%zu = %d\nseries_%zu = %zu\nlive_%zu = %d\nmarks_%zu = %d\n", p + 1, panel->first, p + 1,
                panel->count, p + 1, panel->live, p + 1, panel->marks);
    }
    return gp_close(gp, dir, name, ".gp", error, error_size);
}
