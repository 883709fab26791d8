/** The deployments flows/deploy.py creates: names shared by the scripts, the UI and the tests. */
export const ORCHESTRATOR = { flow: 'distributed-etl-job', deployment: 'distributed-etl-deployment' } as const;
export const TABLE_CHILD = { flow: 'process-table-etl', deployment: 'process-table-etl-deployment' } as const;
export const TASK_PARALLEL = { flow: 'main-etl-job', deployment: 'main-etl-deployment' } as const;
