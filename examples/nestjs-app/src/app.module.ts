import { Module } from "@nestjs/common";
import type { DynamicModule } from "@nestjs/common";
import { MoleculeAgentModule } from "@molecule-ai/nestjs";
import type { MoleculeAgentModuleOptions } from "@molecule-ai/nestjs";
import { ReviewerAgent } from "./reviewer.agent.js";

/**
 * The application module: `MoleculeAgentModule` makes the app a workspace and `ReviewerAgent`
 * answers its messages. A real app would use `MoleculeAgentModule.forRootAsync` with
 * `@nestjs/config`; the example passes the options in so one process can run several reviewers.
 */
@Module({})
// oxlint-disable-next-line typescript/no-extraneous-class -- a Nest module is a decorated class
export class AppModule {
  /** The module for one workspace. */
  static register(options: MoleculeAgentModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [MoleculeAgentModule.forRoot(options)],
      providers: [ReviewerAgent],
    };
  }
}
