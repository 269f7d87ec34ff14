module

-- The build worker of compact_proofs.lean.worker: one Lean process that elaborates many modules,
-- so that the toolchain's start-up (Node, the WebAssembly runtime, `import Lean`) is paid once
-- per worker instead of once per module. Not part of the library.
--
-- Usage: lean --run build_worker.lean QUEUE NAME=VALUE...
-- QUEUE is a file the caller appends jobs to, one per line: `build<TAB>SOURCE<TAB>OLEAN<TAB>MODULE`
-- (SOURCE relative to the working directory, as in diagnostics) or `quit`. Each job runs the
-- same frontend as `lean -o OLEAN SOURCE` (`Lean.Elab.runFrontend`, trust level 0: every
-- imported and new declaration goes through the kernel), with the options NAME=VALUE, and
-- prints its messages between a start and a done line:
--   @@build-worker@@ start INDEX
--   @@build-worker@@ done INDEX ok|failed MILLISECONDS
-- The olean is written only when the module has no error.
public import Lean.Elab.Frontend

open Lean

/-- `NAME=true`, `NAME=false`, `NAME=<digits>` or `NAME=<string>` added to `opts`. -/
def workerOption (opts : Options) (kv : String) : Options :=
  match kv.splitOn "=" with
  | [k, "true"] => opts.setBool k.toName true
  | [k, "false"] => opts.setBool k.toName false
  | [k, v] => match v.toNat? with
    | some n => opts.setNat k.toName n
    | none => opts.setString k.toName v
  | _ => opts

def workerOptions (opts : Options) : List String → Options
  | [] => opts
  | kv :: rest => workerOptions (workerOption opts kv) rest

def workerMarker : String := "@@build-worker@@ "

def workerBuild (opts : Options) (index : Nat) (src olean modName : String) : IO Unit := do
  let out ← IO.getStdout
  out.putStrLn (workerMarker ++ "start " ++ toString index)
  out.flush
  let t0 ← IO.monoMsNow
  let ok ← try
      let input ← IO.FS.readFile src
      let env? ← Lean.Elab.runFrontend input opts src modName.toName 0 (some olean)
      pure env?.isSome
    catch e =>
      out.putStrLn (src ++ ":1:0: error: build worker: " ++ toString e)
      pure false
  let t1 ← IO.monoMsNow
  out.putStrLn (workerMarker ++ "done " ++ toString index ++ (if ok then " ok " else " failed ") ++
    toString (t1 - t0))
  out.flush

/-- Run the jobs of `queue` from the `done`-th line on, waiting for new lines, until `quit`. -/
partial def workerLoop (opts : Options) (queue : String) (done : Nat) : IO Unit := do
  let lines := ((← IO.FS.readFile queue).splitOn "\n").toArray
  -- the last piece is an unfinished line (or empty): only whole lines are jobs
  if done + 1 < lines.size then
    match (lines[done]!).splitOn "\t" with
    | ["quit"] => return
    | ["build", src, olean, modName] =>
      workerBuild opts done src olean modName
      workerLoop opts queue (done + 1)
    | _ =>
      IO.println (workerMarker ++ "bad job " ++ toString done)
      return
  else
    IO.sleep 20
    workerLoop opts queue done

public def main (args : List String) : IO UInt32 := do
  match args with
  | queue :: options =>
    IO.println (workerMarker ++ "ready")
    (← IO.getStdout).flush
    workerLoop (workerOptions {} options) queue 0
    return 0
  | [] =>
    IO.eprintln "usage: lean --run build_worker.lean QUEUE NAME=VALUE..."
    return 2
