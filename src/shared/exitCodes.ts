// Exit codes, the same for every command: scripts and CI jobs branch on them.
//   0  done, and (load, demo) everything went as expected
//   1  a runtime or configuration problem: unreachable server, bad kubeconfig, lost leadership, a run
//      that could not be carried out
//   2  a usage error: unknown flag, bad flag value or combination, bad --config file
//   3  load: wrongful evictions (a pod deleted that must not have been)
//   4  load: evictions missed or the run timed out
//   130 interrupted (SIGINT)

export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  wrongful: 3,
  incomplete: 4,
  interrupted: 130,
} as const;
