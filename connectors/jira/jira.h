/* connectors/jira/jira.h - Atlassian Document Format helpers of the Jira
 * backend, public for the ticket templates and the tests. */
#ifndef FF_CONNECTORS_JIRA_JIRA_H
#define FF_CONNECTORS_JIRA_JIRA_H

#include <jansson.h>

/* jira_adf_from_text builds an ADF document (new reference) from plain
 * text: blank lines separate paragraphs, single newlines become hardBreak
 * nodes, http(s) URLs become text with a link mark. NULL text gives an
 * empty document. */
json_t *jira_adf_from_text(const char *text);
/* jira_adf_to_text flattens an ADF node (or a plain string) into text:
 * paragraphs end with a newline, hardBreak is a newline, mentions give
 * their text. Newly allocated; "" for anything unreadable. Depth and size
 * are bounded. */
char *jira_adf_to_text(const json_t *node);

#endif
