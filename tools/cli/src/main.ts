import { runProgram } from '@journey/ops';
import { buildProgram } from './program';

runProgram(buildProgram(), 'journey');
