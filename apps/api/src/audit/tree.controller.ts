import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/roles.decorator';
import { LogTree } from './log-tree';
import { ConsistencyQueryDto, InclusionQueryDto, TreeHeadQueryDto } from './tree.dto';

/** The verifiable log: signed tree heads and the proofs an auditor checks against them (RFC 9162). */
@ApiTags('audit')
@ApiBearerAuth()
@Controller('v1/audit')
export class TreeController {
  constructor(private readonly log: LogTree) {}

  @Get('tree-head')
  @Roles('auditor')
  @ApiOperation({ summary: 'The latest signed tree head { treeSize, rootHash, timestamp, logId, signature }, or one for ?treeSize=N (404 beyond the tree)' })
  treeHead(@Query() query: TreeHeadQueryDto) {
    return query.treeSize === undefined ? this.log.currentHead() : this.log.headAt(query.treeSize);
  }

  @Get('public-key')
  @Roles('auditor')
  @ApiOperation({ summary: 'The Ed25519 key that signs tree heads (SubjectPublicKeyInfo PEM) and the log id it gives' })
  publicKey() {
    return { algorithm: 'Ed25519', publicKey: this.log.key.publicKeyPem, logId: this.log.key.logId };
  }

  @Get('proofs/inclusion')
  @Roles('auditor')
  @ApiOperation({ summary: "An event's leaf and audit path in the tree of ?treeSize (the latest when absent), with that tree's signed head" })
  inclusion(@Query() query: InclusionQueryDto) {
    return this.log.inclusion(query.stream, query.revision, query.treeSize);
  }

  @Get('proofs/consistency')
  @Roles('auditor')
  @ApiOperation({ summary: 'That the tree of ?from events is a prefix of the tree of ?to (the latest when absent), with both signed heads' })
  consistency(@Query() query: ConsistencyQueryDto) {
    return this.log.consistency(query.from, query.to);
  }
}
