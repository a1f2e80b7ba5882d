// Known bugs as tests: tap skips a todo test's body, so NSINSPECT_RUN_TODO=1 runs them to show whether they still fail.
export const todo = (reason: string): { todo?: string } => (process.env.NSINSPECT_RUN_TODO ? {} : { todo: reason });
