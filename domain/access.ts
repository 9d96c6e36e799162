/**
 * Who may see what (issue 3, part 4). Pure rules, shared by the API's routers and the workflows'
 * validators, so a scope is decided the same way wherever it is checked:
 *
 * - `admin` and `decision_panel` (the Board's own) see every case;
 * - a `case_officer` sees the consortia and cases of the area teams they are scoped to;
 * - a `consortium_officer` sees their own consortium and its cases only;
 * - a `third_party` sees only the cases handed to its organisation (§5.13, §5.18);
 * - the `public` sees the published registers only (KF Q7, Q16), never a case.
 */

/** The caller as the rules need it (structurally the API's Principal). */
export interface Viewer {
  role: string;
  areaTeams: readonly string[];
  consortiumCode: string | null;
  organisation: string | null;
}

/** What decides a case's scope: its consortium (and that consortium's area team), and any hand-off. */
export interface CaseScope {
  consortiumCode: string | null;
  areaTeam: string | null;
  thirdPartyOrganisation?: string | null;
}

const BOARD_WIDE = new Set(['admin', 'decision_panel']);

/** May the viewer see a consortium's casework (its cases, timeline and membership requests)? */
export function mayReadConsortiumCasework(
  viewer: Viewer,
  consortium: { code: string; areaTeam: string | null },
): boolean {
  if (BOARD_WIDE.has(viewer.role)) return true;
  if (viewer.role === 'case_officer')
    return consortium.areaTeam !== null && viewer.areaTeams.includes(consortium.areaTeam);
  if (viewer.role === 'consortium_officer') return viewer.consortiumCode === consortium.code;
  return false;
}

/** May the viewer see one case? A third party sees a case only once it is handed to its organisation. */
export function mayReadCase(viewer: Viewer, scope: CaseScope): boolean {
  if (viewer.role === 'third_party')
    return !!viewer.organisation && scope.thirdPartyOrganisation === viewer.organisation;
  if (scope.consortiumCode === null)
    return (
      BOARD_WIDE.has(viewer.role) ||
      (viewer.role === 'case_officer' && scope.areaTeam !== null && viewer.areaTeams.includes(scope.areaTeam))
    );
  return mayReadConsortiumCasework(viewer, { code: scope.consortiumCode, areaTeam: scope.areaTeam });
}

/**
 * Does a case officer's scope cover any of the given area teams? Admins cover all. A case that
 * concerns two consortia (a practice moving between them, §4.9) is covered by either area team.
 */
export function coversAreaTeam(
  viewer: Pick<Viewer, 'role' | 'areaTeams'>,
  areaTeams: readonly (string | null)[],
): boolean {
  if (viewer.role === 'admin') return true;
  return viewer.role === 'case_officer' && areaTeams.some((team) => team !== null && viewer.areaTeams.includes(team));
}
